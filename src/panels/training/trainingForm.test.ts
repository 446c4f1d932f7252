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
    const { config } = applyTexts(base, { stepsPerRound: '20', extraRounds: '1', batchSize: '2', lr: '3e-4' });
    expect(config).toMatchObject({ stepsPerRound: 20, extraRounds: 1, batchSize: 2 });
    expect(config?.detr.optim.lr).toBe(3e-4);
    expect(config?.detr.optim.lrBackbone).toBe(base.detr.optim.lrBackbone);
  });

  it('names each bad field by its label, with what came', () => {
    const { config, problems } = applyTexts(base, { stepsPerRound: '0', extraRounds: '1.5', batchSize: 'two', lr: '0' });
    expect(config).toBeNull();
    expect(problems.stepsPerRound).toBe('Steps per round: expected a whole number from 1 to 1000000, got 0');
    expect(problems.extraRounds).toMatch(/^Self-training rounds: .* got 1\.5$/);
    expect(problems.batchSize).toMatch(/^Batch size: .* got "two"$/);
    expect(problems.lr).toBe('Learning rate: expected a number in (0, 1], got 0');
  });

  it('says an empty field is empty', () => {
    const { problems } = applyTexts(base, { ...textsOf(base), lr: ' ', batchSize: '' });
    expect(problems.batchSize).toMatch(/got nothing$/);
    expect(problems.lr).toBe('Learning rate: expected a number in (0, 1], got nothing');
  });
});
