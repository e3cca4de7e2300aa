import type { LifecycleBenchmarkResult, LifecycleFigures, RoundRatios, SideFigures } from '../lifecycle';
import type { CpuUse } from './cpu';

/** The lifecycle benchmark as small human-readable tables: ratios, latency and history, CPU. */
export function formatLifecycleTable(result: LifecycleBenchmarkResult): string {
  const rows = [
    [
      'protocol kind',
      'lifecycles',
      'ours/s',
      'floor/s',
      'ratio',
      'cpu ratio',
      'server cpu ratio',
      'p50 ms',
      'p99 ms',
      'stored p50/p99 (floor)',
      'history events (floor)',
      'history bytes (floor)',
      'requests/lc (minimum)',
      'logins/1000',
      'errors',
    ],
  ];
  const cpuRows = [
    [
      'cpu ms per lifecycle',
      'worker',
      '(main',
      'workflows',
      'core',
      'helpers)',
      'server',
      'emulator',
      'client',
    ],
  ];
  const peerRows = [
    [
      'protocol kind',
      'ours/peer median (range)',
      'ours/floor median (range)',
      'peer/s',
      'peer stored p50/p99',
      'peer history',
      'peer requests/lc',
      'peer logins/lc',
    ],
  ];
  const baselineRows = [
    [
      'baseline',
      'ours/s',
      'ratio',
      'cpu ratio',
      'server cpu ratio',
      'stored p50/p99',
      'history',
      'requests/lc',
    ],
  ];
  let concurrency: number | undefined;
  for (const [protocol, kinds] of Object.entries(result)) {
    for (const [kind, f] of Object.entries(kinds ?? {}) as Array<[string, LifecycleFigures]>) {
      concurrency = f.concurrency;
      const name = `${protocol} ${kind}`;
      rows.push([
        name,
        String(f.lifecycles),
        f.lifecyclesPerSecond.toFixed(1),
        f.floorPerSecond.toFixed(1),
        f.ratio.toFixed(2),
        f.cpuRatio.toFixed(2),
        f.serverCpuRatio.toFixed(2),
        f.p50Ms.toFixed(0),
        f.p99Ms.toFixed(0),
        `${f.documentsStoredP50Ms.toFixed(0)}/${f.documentsStoredP99Ms.toFixed(0)} ` +
          `(${f.floorDocumentsStoredP50Ms.toFixed(0)}/${f.floorDocumentsStoredP99Ms.toFixed(0)})`,
        `${f.historyEvents} (${f.floorHistoryEvents})`,
        `${f.historyBytes} (${f.floorHistoryBytes})`,
        `${f.advanceRequestsPerLifecycle.toFixed(2)} (${f.minimumAdvanceRequestsPerLifecycle.toFixed(2)})`,
        f.loginsPer1000.toFixed(2),
        `${f.errors}/${f.floorErrors}`,
      ]);
      peerRows.push([
        name,
        rounds(f.peer.ratioRounds),
        rounds(f.floorRatioRounds),
        f.peer.lifecyclesPerSecond.toFixed(1),
        stored(f.peer),
        String(f.peer.historyEvents),
        f.peer.advanceRequestsPerLifecycle.toFixed(2),
        (f.peer.logins / Math.max(1, f.peer.lifecycles)).toFixed(2),
      ]);
      cpuRows.push(
        [`${name} ours`, ...cells(f.cpuMsPerLifecycle)],
        [`${name} floor`, ...cells(f.floorCpuMsPerLifecycle)],
        [`${name} peer`, ...cells(f.peer.cpuMsPerLifecycle)],
      );
      for (const [ref, b] of Object.entries(f.baselines ?? {})) {
        baselineRows.push([
          `${name} ${ref} (${b.commit.slice(0, 8)})`,
          b.lifecyclesPerSecond.toFixed(1),
          b.ratio.toFixed(2),
          b.cpuRatio.toFixed(2),
          b.serverCpuRatio.toFixed(2),
          stored(b),
          String(b.historyEvents),
          b.advanceRequestsPerLifecycle.toFixed(2),
        ]);
        cpuRows.push([`${name} ${ref}`, ...cells(b.cpuMsPerLifecycle)]);
      }
    }
  }
  return [
    `Lifecycles through one worker vs the no-op floor (concurrency ${concurrency ?? '?'})`,
    table(rows),
    'Against the peer (a plain implementation doing the same calls) and the floor, per round',
    table(peerRows),
    ...(baselineRows.length > 1
      ? ['Baselines (the worker of an earlier commit, same rounds)', table(baselineRows)]
      : []),
    table(cpuRows),
  ].join('\n');
}

function cells(c: CpuUse): string[] {
  const split = [c.workerMain, c.workerWorkflows, c.workerCore, c.workerHelpers];
  return [c.worker, ...split, c.server, c.emulator, c.driver].map((ms) => ms.toFixed(1));
}

function rounds(r: RoundRatios): string {
  return `${r.median.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
}

function stored(side: SideFigures): string {
  return `${side.documentsStoredP50Ms.toFixed(0)}/${side.documentsStoredP99Ms.toFixed(0)}`;
}

export function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, column) =>
    Math.max(...rows.map((cells) => (cells[column] ?? '').length)),
  );
  return rows
    .map((cells) =>
      cells
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
        )
        .join('  '),
    )
    .join('\n');
}
