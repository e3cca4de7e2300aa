import os from 'node:os';

export interface MachineInfo {
  cores: number;
  memoryGb: number;
  node: string;
}

/** What the figures were measured on: they mean little without it. */
export function machineInfo(): MachineInfo {
  return {
    cores: os.availableParallelism(),
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
  };
}
