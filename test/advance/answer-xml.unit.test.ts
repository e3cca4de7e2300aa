import { AnswerXmlError, checkAnswerXml } from '../../src/advance';

const valid = [
  ['empty answer set', '<AnswerSet/>', 0],
  [
    'every value element',
    `<?xml version="1.0" encoding="UTF-8"?>
<AnswerSet title="Lease" version="1.1">
  <Answer name="Tenant"><TextValue>Ann &amp; Bob</TextValue></Answer>
  <Answer name="Rent"><NumValue>1250.50</NumValue></Answer>
  <Answer name="Start"><DateValue>1/12/2026</DateValue></Answer>
  <Answer name="Pets"><TFValue>false</TFValue></Answer>
  <Answer name="Rooms"><MCValue><SelValue>Kitchen</SelValue><SelValue>Bath</SelValue></MCValue></Answer>
  <Answer name="Guarantors"><RptValue><TextValue>Carl</TextValue><TextValue unans="true"/></RptValue></Answer>
  <Answer name="Note"><TextValue><![CDATA[<b>kept</b>]]></TextValue></Answer>
</AnswerSet>`,
    7,
  ],
] as const;

describe('checkAnswerXml accepts HotDocs answer sets', () => {
  test.each(valid)('%s', (_name, xml, answers) => {
    expect(checkAnswerXml(xml).answers).toBe(answers);
  });
});

const invalid: Array<[string, unknown, RegExp, number?]> = [
  ['not a string', 42, /expected a string, got number/],
  ['empty', '   ', /empty/],
  ['not XML', 'hello', /outside of root/, 1],
  ['unclosed root', '<AnswerSet><Answer name="a"><TextValue>x</TextValue></Answer>', /unclosed tag/, 1],
  ['wrong root', '<Answers/>', /root element must be <AnswerSet>/, 1],
  ['DOCTYPE', '<!DOCTYPE AnswerSet><AnswerSet/>', /DOCTYPE is not allowed/, 1],
  [
    'entity expansion (billion laughs)',
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>' +
      '<AnswerSet><Answer name="a"><TextValue>&lol2;</TextValue></Answer></AnswerSet>',
    /DOCTYPE is not allowed/,
  ],
  [
    'external entity',
    '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><AnswerSet/>',
    /DOCTYPE is not allowed/,
  ],
  [
    'undeclared entity',
    '<AnswerSet><Answer name="a"><TextValue>&xxe;</TextValue></Answer></AnswerSet>',
    /undefined entity/,
  ],
  ['processing instruction', '<AnswerSet><?php echo 1 ?></AnswerSet>', /processing instruction/],
  ['unknown child', '<AnswerSet>\n  <Value/>\n</AnswerSet>', /only contain <Answer>/, 2],
  [
    'answer without name',
    '<AnswerSet><Answer><TextValue>x</TextValue></Answer></AnswerSet>',
    /non-empty name/,
  ],
  ['answer without value', '<AnswerSet><Answer name="a"/></AnswerSet>', /has no value element/],
  [
    'two values in one answer',
    '<AnswerSet><Answer name="a"><TextValue>x</TextValue><TextValue>y</TextValue></Answer></AnswerSet>',
    /more than one value/,
  ],
  [
    'unknown value element',
    '<AnswerSet><Answer name="a"><Blob>x</Blob></Answer></AnswerSet>',
    /unknown value element <Blob>/,
  ],
  [
    'duplicate answer',
    '<AnswerSet><Answer name="a"><TFValue>true</TFValue></Answer><Answer name="a"><TFValue>true</TFValue></Answer></AnswerSet>',
    /appears twice/,
  ],
  [
    'bad number',
    '<AnswerSet><Answer name="n"><NumValue>twelve</NumValue></Answer></AnswerSet>',
    /<NumValue> of answer "n" is not a number/,
  ],
  [
    'bad boolean',
    '<AnswerSet><Answer name="b"><TFValue>yes</TFValue></Answer></AnswerSet>',
    /<TFValue> of answer "b" is not true or false/,
  ],
  [
    'MCValue with text values',
    '<AnswerSet><Answer name="m"><MCValue><TextValue>x</TextValue></MCValue></Answer></AnswerSet>',
    /<SelValue>/,
  ],
  [
    'text between answers',
    '<AnswerSet>stray<Answer name="a"><TFValue>true</TFValue></Answer></AnswerSet>',
    /unexpected text inside <AnswerSet>/,
  ],
  [
    'elements inside a text value',
    '<AnswerSet><Answer name="a"><TextValue><b>x</b></TextValue></Answer></AnswerSet>',
    /cannot contain elements/,
  ],
];

describe('checkAnswerXml rejects with the first problem and where it is', () => {
  test.each(invalid)('%s', (...[, xml, message, line]) => {
    let caught: unknown;
    try {
      checkAnswerXml(xml);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AnswerXmlError);
    const error = caught as AnswerXmlError;
    expect(error.message).toMatch(message);
    expect(error.retryable).toBe(false);
    expect(error.kind).toBe('validation');
    if (line !== undefined) expect(error.line).toBe(line);
  });

  test('oversized XML is refused before parsing', () => {
    const big = `<AnswerSet><Answer name="a"><TextValue>${'x'.repeat(2000)}</TextValue></Answer></AnswerSet>`;
    expect(() => checkAnswerXml(big, { maxBytes: 1000 })).toThrow(/exceeds the limit of 1000 bytes/);
  });

  test('deep nesting is refused', () => {
    const deep = `<AnswerSet><Answer name="a">${'<RptValue>'.repeat(40)}${'</RptValue>'.repeat(40)}</Answer></AnswerSet>`;
    expect(() => checkAnswerXml(deep)).toThrow(/nested deeper/);
  });

  test('the error reports line and column of the problem', () => {
    const xml = '<AnswerSet>\n  <Answer name="a">\n    <Nope/>\n  </Answer>\n</AnswerSet>';
    expect(() => checkAnswerXml(xml)).toThrow(/line 3, column \d+: unknown value element <Nope>/);
  });
});
