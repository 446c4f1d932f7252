import { describe, expect, it } from 'vitest';
import { DEFAULT_PROPOSAL_CONFIG } from '../../core/proposalConfig';
import { configFromForm, fieldsNamedIn, formText, type FormField } from './configForm';

const reader = (over: Partial<Record<FormField, string>>) => (f: FormField) => over[f] ?? formText(DEFAULT_PROPOSAL_CONFIG, f);

describe('proposal config form', () => {
  it('round-trips the defaults, with areas in percent', () => {
    expect(formText(DEFAULT_PROPOSAL_CONFIG, 'minAreaFrac')).toBe('1');
    expect(formText(DEFAULT_PROPOSAL_CONFIG, 'maxAreaFrac')).toBe('90');
    expect(formText(DEFAULT_PROPOSAL_CONFIG, 'granularities')).toBe('2, 3, 4, 6, 8');
    expect(configFromForm(reader({}), DEFAULT_PROPOSAL_CONFIG)).toEqual(DEFAULT_PROPOSAL_CONFIG);
  });

  it('reads edited values', () => {
    const c = configFromForm(reader({ granularities: '2,4', minAreaFrac: '7', numClusters: '8' }), DEFAULT_PROPOSAL_CONFIG);
    expect(c.granularities).toEqual([2, 4]);
    expect(c.minAreaFrac).toBe(0.07);
    expect(c.numClusters).toBe(8);
  });

  it('throws a message naming the bad fields', () => {
    let message = '';
    try {
      configFromForm(reader({ granularities: '2, x', nmsIou: '' }), DEFAULT_PROPOSAL_CONFIG);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/granularities: .*"x"/);
    expect([...fieldsNamedIn(message)].sort()).toEqual(['granularities', 'nmsIou']);
  });
});
