// The detector config: presets are valid and shaped as DESIGN §1 says; validation fills defaults,
// names every bad field by its path, refuses unknown fields and checks the cross-field rules.
import { describe, expect, it } from 'vitest';
import { DEFAULT_DETR_CONFIG, DETR_PRESETS, detrPreset, validateDetrConfig, type DetrPreset } from './detrConfig';

describe('presets', () => {
  it.each(Object.keys(DETR_PRESETS) as DetrPreset[])('%s passes validation unchanged', (name) => {
    expect(validateDetrConfig(detrPreset(name))).toEqual(DETR_PRESETS[name]);
  });

  it('have the sizes the design names', () => {
    const shape = (name: DetrPreset) => {
      const { imageSize, numQueries, transformer: t } = DETR_PRESETS[name];
      return [imageSize, t.dModel, t.numEncoderLayers, t.numDecoderLayers, t.numHeads, t.dimFeedforward, numQueries, t.dropout];
    };
    expect(shape('tiny')).toEqual([128, 64, 2, 2, 4, 128, 30, 0]);
    expect(shape('laptop')).toEqual([320, 128, 3, 3, 8, 512, 100, 0.1]);
    expect(shape('paper')).toEqual([512, 256, 6, 6, 8, 1024, 300, 0.1]);
    const o = DEFAULT_DETR_CONFIG.optim;
    expect([o.lr, o.lrBackbone, o.weightDecay, o.clipMaxNorm]).toEqual([1e-4, 1e-5, 1e-4, 0.1]);
  });

  it('hands out copies that do not alias the presets', () => {
    const c = detrPreset('tiny');
    c.transformer.dModel = 8;
    expect(DETR_PRESETS.tiny.transformer.dModel).toBe(64);
  });
});

describe('validateDetrConfig', () => {
  it('fills missing fields, at any depth, from the default', () => {
    const c = validateDetrConfig({ numClasses: 12, transformer: { dModel: 64 }, backbone: { init: 'scratch' } });
    expect(c.numClasses).toBe(12);
    expect(c.transformer).toEqual({ ...DEFAULT_DETR_CONFIG.transformer, dModel: 64 });
    expect(c.backbone).toEqual({ init: 'scratch', featureLevel: DEFAULT_DETR_CONFIG.backbone.featureLevel });
    expect(c.optim).toEqual(DEFAULT_DETR_CONFIG.optim);
  });

  it.each([
    [null, /detr config: expected an object, got null/],
    [{ numQueries: 0 }, /numQueries: expected an integer in \[1, 10000\], got 0/],
    [{ numClasses: 2.5 }, /numClasses: expected an integer in \[1, 65536\], got 2.5/],
    [{ backbone: { init: 'imagenet' } }, /backbone.init: expected "encoder" or "scratch", got "imagenet"/],
    [{ backbone: { featureLevel: 'stride8' } }, /backbone.featureLevel: expected "stride16" or "stride32", got "stride8"/],
    [{ transformer: { dropout: 1 } }, /transformer.dropout: expected a number in \[0, 0.9\], got 1/],
    [{ transformer: { preNorm: 'yes' } }, /transformer.preNorm: expected true or false, got "yes"/],
    [{ transformer: { dModel: 66 } }, /transformer.dModel: expected a multiple of 4 \(sine positions\), got 66/],
    [{ transformer: { dModel: 64, numHeads: 6 } }, /transformer.numHeads: expected a divisor of dModel \(64\), got 6/],
    [{ optim: { lr: 0 } }, /optim.lr: expected a number in \(0, 1\], got 0/],
    [{ optim: 3 }, /optim: expected an object, got 3/],
    [{ optim: { momentum: 0.9 } }, /optim.momentum: unknown field/],
    [{ queries: 100 }, /queries: unknown field/],
  ])('names the bad field: %j', (input, message) => {
    expect(() => validateDetrConfig(input)).toThrow(message);
  });

  it('lists every problem at once', () => {
    expect(() => validateDetrConfig({ seed: -1, optim: { clipMaxNorm: -1 } })).toThrow(/seed: .*; optim.clipMaxNorm: /);
  });
});
