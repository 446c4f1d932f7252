import { describe, expect, it } from 'vitest';
import { defaultTrainingConfig } from '../../store/trainingSlice';
import { applyTexts, textsOf } from './trainingForm';

const base = defaultTrainingConfig('tiny');

describe('applyTexts', () => {
  it('round-trips the config through its texts', () => {
    const { config } = applyTexts(base, textsOf(base));
    expect(config).toEqual(base);
  });

  it('applies edited values, including an exponent learning rate', () => {
    const { config } = applyTexts(base, { stepsPerRound: '20', extraRounds: '1', batchSize: '2', lr: '3e-4', classShare: '0.5', scoreThreshold: '0.25' });
    expect(config).toMatchObject({ stepsPerRound: 20, extraRounds: 1, batchSize: 2, classShare: 0.5, selfTraining: { ...base.selfTraining, scoreThreshold: 0.25 } });
    expect(config?.detr.optim.lr).toBe(3e-4);
    expect(config?.detr.optim.lrBackbone).toBe(base.detr.optim.lrBackbone);
  });

  it('names each bad field by its label, with what came', () => {
    const { config, problems } = applyTexts(base, { stepsPerRound: '0', extraRounds: '1.5', batchSize: 'two', lr: '0', classShare: '0', scoreThreshold: '1.5' });
    expect(config).toBeNull();
    expect(problems.stepsPerRound).toBe('Steps per round: expected a whole number from 1 to 1000000, got 0');
    expect(problems.extraRounds).toMatch(/^Self-training rounds: .* got 1\.5$/);
    expect(problems.batchSize).toMatch(/^Batch size: .* got "two"$/);
    expect(problems.lr).toBe('Learning rate: expected a number in (0, 1], got 0');
    expect(problems.classShare).toBe('Pseudo-classes kept: expected a number above 0 and at most 1, got 0');
    expect(problems.scoreThreshold).toBe('Self-training threshold: expected a number from 0 to 1, got 1.5');
  });

  it('takes a threshold of 0 and of 1, and refuses one that is not a number', () => {
    expect(applyTexts(base, { ...textsOf(base), scoreThreshold: '0' }).config?.selfTraining.scoreThreshold).toBe(0);
    expect(applyTexts(base, { ...textsOf(base), scoreThreshold: '1' }).config?.selfTraining.scoreThreshold).toBe(1);
    const { config, problems } = applyTexts(base, { ...textsOf(base), scoreThreshold: 'half' });
    expect(config).toBeNull();
    expect(problems).toEqual({ scoreThreshold: 'Self-training threshold: expected a number from 0 to 1, got "half"' });
  });

  it('says an empty field is empty', () => {
    const { problems } = applyTexts(base, { ...textsOf(base), lr: ' ', batchSize: '' });
    expect(problems.batchSize).toMatch(/got nothing$/);
    expect(problems.lr).toBe('Learning rate: expected a number in (0, 1], got nothing');
  });
});
