import { describe, expect, it } from 'vitest';
import { isActive, startBlockedBecause, type StartInputs } from './runGate';

const ready: StartInputs = {
  images: 80, ingesting: false, backendFailed: false, proposalsRunning: false, proposalsComplete: true, status: null, formInvalid: false, checkRunning: false,
};

describe('startBlockedBecause', () => {
  it('lets a run start with images, complete proposals and valid settings', () => {
    expect(startBlockedBecause(ready)).toBeNull();
    for (const status of ['done', 'stopped', 'failed'] as const) expect(startBlockedBecause({ ...ready, status })).toBeNull();
  });

  it('blocks while a run is going, whatever its phase', () => {
    for (const status of ['preparing', 'running', 'paused', 'predicting'] as const) {
      expect(isActive(status)).toBe(true);
      expect(startBlockedBecause({ ...ready, status })).toMatch(/run is going/);
    }
  });

  it('says what is missing', () => {
    expect(startBlockedBecause({ ...ready, images: 0, proposalsComplete: false })).toBe('Add images first.');
    expect(startBlockedBecause({ ...ready, proposalsComplete: false })).toMatch(/Run proposals first/);
    expect(startBlockedBecause({ ...ready, proposalsRunning: true })).toMatch(/Proposals are running/);
    expect(startBlockedBecause({ ...ready, formInvalid: true })).toMatch(/Fix the settings/);
    expect(startBlockedBecause({ ...ready, checkRunning: true })).toMatch(/downstream check is running/);
  });
});
