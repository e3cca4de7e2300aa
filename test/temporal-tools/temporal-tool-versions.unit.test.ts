import {
  parsePinnedTemporalToolVersions,
  readPinnedTemporalToolVersions,
} from '../../tools/temporal/temporal-tool-versions';

describe('pinned Temporal tool versions', () => {
  it('reads every pin from temporal-tools.env, the file the install scripts source', () => {
    const pins = readPinnedTemporalToolVersions();

    expect(pins.cli).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pins.testServer).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pins.server).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pins.uiServer).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('ignores comments and blank lines', () => {
    const text =
      '# pins\n\nTEMPORAL_CLI_VERSION=1.2.3\r\nTEMPORAL_TEST_SERVER_VERSION=4.5.6\n' +
      'TEMPORAL_SERVER_VERSION=1.32.0\nTEMPORAL_UI_SERVER_VERSION=2.54.1\n';

    expect(parsePinnedTemporalToolVersions(text)).toEqual({
      cli: '1.2.3',
      testServer: '4.5.6',
      server: '1.32.0',
      uiServer: '2.54.1',
    });
  });

  it('names a missing pin', () => {
    expect(() => parsePinnedTemporalToolVersions('TEMPORAL_CLI_VERSION=1.2.3\n')).toThrow(
      /TEMPORAL_TEST_SERVER_VERSION is missing/,
    );
  });

  it('rejects lines the shell would read differently', () => {
    expect(() => parsePinnedTemporalToolVersions('TEMPORAL_CLI_VERSION="1.2.3"\n')).toThrow(
      /expected KEY=VALUE/,
    );
    expect(() => parsePinnedTemporalToolVersions('export TEMPORAL_CLI_VERSION=1.2.3\n')).toThrow(
      /expected KEY=VALUE/,
    );
  });
});
