import { applyTypedAnswers, answerDisplayValues } from '../../tools/emulator/answers/answer-display';
import { AnswerXmlError, parseAnswerXml } from '../../tools/emulator/answers/parse-answer-xml';
import { writeAnswerXml } from '../../tools/emulator/answers/write-answer-xml';

const EVERY_TYPE = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!-- produced by a test -->
<AnswerSet title="Letter" version="1.1">
  <Answer name="Client Name"><TextValue>Ana &amp; Co &lt;Ltd&gt;</TextValue></Answer>
  <Answer name="Fee"><NumValue>1250.5</NumValue></Answer>
  <Answer name="Start"><DateValue>1/2/2026</DateValue></Answer>
  <Answer name="Urgent"><TFValue>true</TFValue></Answer>
  <Answer name="Services"><MCValue><SelValue>Audit</SelValue><SelValue>Tax</SelValue></MCValue></Answer>
  <Answer name="Children">
    <RptValue><TextValue>Bea</TextValue><TextValue unans="true"/><TextValue><![CDATA[Cy]]></TextValue></RptValue>
  </Answer>
  <Answer name="Unanswered"><TextValue unans="true"/></Answer>
</AnswerSet>`;

describe('answer XML', () => {
  it('reads every value type into display strings', () => {
    expect(answerDisplayValues(parseAnswerXml(EVERY_TYPE))).toEqual([
      { name: 'Client Name', value: 'Ana & Co <Ltd>' },
      { name: 'Fee', value: '1250.5' },
      { name: 'Start', value: '1/2/2026' },
      { name: 'Urgent', value: 'true' },
      { name: 'Services', value: 'Audit, Tax' },
      { name: 'Children', value: 'Bea; ; Cy' },
      { name: 'Unanswered', value: '' },
    ]);
  });

  it('writes answer sets back so they parse to the same answers', () => {
    const set = parseAnswerXml(EVERY_TYPE);
    const written = writeAnswerXml(set);
    expect(written).toContain('<AnswerSet title="Letter" version="1.1">');
    expect(written).toContain('<TextValue>Ana &amp; Co &lt;Ltd&gt;</TextValue>');
    expect(parseAnswerXml(written)).toEqual(set);
  });

  it('reports the first problem with its line and column', () => {
    const attempt = (): unknown => parseAnswerXml('<AnswerSet>\n  <Answer name="a">\n    <Oops/>\n');
    expect(attempt).toThrow(AnswerXmlError);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ line: 3, problem: expect.stringContaining('<Oops>') });
    }
  });

  it.each([
    [
      'duplicate names',
      '<AnswerSet><Answer name="a"><TextValue/></Answer><Answer name="a"><TextValue/></Answer></AnswerSet>',
    ],
    ['two values in one answer', '<AnswerSet><Answer name="a"><TextValue/><NumValue/></Answer></AnswerSet>'],
    ['an answer without a value', '<AnswerSet><Answer name="a"></Answer></AnswerSet>'],
    [
      'elements inside a text value',
      '<AnswerSet><Answer name="a"><TextValue><b/></TextValue></Answer></AnswerSet>',
    ],
    [
      'non-SelValue inside MCValue',
      '<AnswerSet><Answer name="a"><MCValue><TextValue/></MCValue></Answer></AnswerSet>',
    ],
    ['stray text in AnswerSet', '<AnswerSet>hello<Answer name="a"><TextValue/></Answer></AnswerSet>'],
    ['text after the root', '<AnswerSet/>trailing'],
  ])('rejects %s', (_label, xml) => {
    expect(() => parseAnswerXml(xml)).toThrow(AnswerXmlError);
  });

  it('applies typed answers: unchanged values keep their type, changed ones become text, empty extras are skipped', () => {
    const set = parseAnswerXml(EVERY_TYPE);
    const updated = applyTypedAnswers(set, {
      'Client Name': 'Bob',
      Services: 'Audit, Tax',
      Notes: 'typed',
      Empty: '',
    });
    const byName = new Map(updated.answers.map((answer) => [answer.name, answer.value]));
    expect(byName.get('Client Name')).toEqual({ element: 'TextValue', attributes: {}, text: 'Bob' });
    expect(byName.get('Services')?.element).toBe('MCValue');
    expect(byName.get('Notes')).toEqual({ element: 'TextValue', attributes: {}, text: 'typed' });
    expect(byName.has('Empty')).toBe(false);
    expect(answerDisplayValues(set)[0]?.value).toBe('Ana & Co <Ltd>');
  });
});
