// The run's label files: proposals, every round's pseudo-labels and the final predictions each as a
// COCO dataset that the app's own validating parser accepts, with boxes in the original image's
// pixels and their scores, and as one Label Studio task per image.
import { describe, expect, it } from 'vitest';
import { parseCocoDataset, type CocoDataset, type LabelStudioTask } from '../core/cocoFormat';
import type { ImageMeta, ProposalRunResult } from './protocol';
import { keptProposalScores, roundFromCoco, runLabelFiles, type RunLabelsInput } from './runLabels';

// The cached copies are a quarter of the originals' size, per axis.
const meta = (id: string, width: number, height: number): ImageMeta => ({
  id, path: `photos/${id}.jpg`, format: 'jpeg', bytes: 1000, width, height, storedWidth: width / 4, storedHeight: height / 4, addedAt: 0,
});
const metas = new Map([meta('a', 640, 480), meta('b', 400, 800)].map((m) => [m.id, m]));
const proposals = {
  K: 3,
  images: [
    { imageId: 'b', boxes: Float32Array.from([10, 20, 50, 60, 0, 0, 5, 5]), scores: Float32Array.from([0.9, 0.4]), clusters: Int32Array.from([2, -1]) },
    { imageId: 'a', boxes: Float32Array.from([0, 0, 80, 60]), scores: Float32Array.from([0.7]), clusters: Int32Array.from([0]) },
  ],
} as unknown as ProposalRunResult; // only images and K are read
const input: RunLabelsInput = {
  metas, imageIds: ['a', 'b'], K: 3, proposals, modelVersion: 'simdetr-studio test',
  rounds: [
    // Round 0 in run order: image a's proposal as cxcywh in [0, 1], image b's kept one.
    { round: 0, targets: [{ classes: Int32Array.from([0]), boxes: Float32Array.from([0.25, 0.25, 0.5, 0.5]) }, { classes: Int32Array.from([2]), boxes: Float32Array.from([0.3, 0.2, 0.4, 0.2]) }], scores: [Float32Array.from([0.7]), Float32Array.from([0.9])] },
    { round: 1, targets: [{ classes: Int32Array.from([1]), boxes: Float32Array.from([0.5, 0.5, 1.2, 0.2]) }, { classes: new Int32Array(0), boxes: new Float32Array(0) }], scores: null },
  ],
  predictions: [
    { imageId: 'a', boxes: Float32Array.from([16, 12, 48, 36]), scores: Float32Array.from([0.66]), classes: Int32Array.from([1]) },
    { imageId: 'b', boxes: new Float32Array(0), scores: new Float32Array(0), classes: new Int32Array(0) },
  ],
};

const parsed = (x: unknown): CocoDataset => {
  const r = parseCocoDataset(x);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.dataset;
};
const annotations = (x: unknown) => (x as CocoDataset).annotations.map(({ image_id, category_id, bbox, score }) => ({ image_id, category_id, bbox, score }));

describe('run label files', () => {
  const files = runLabelFiles(input);

  it('writes proposals, each round and the predictions, each as COCO and Label Studio', () => {
    expect([...files.keys()]).toEqual([
      'proposals.coco.json', 'proposals.labelstudio.json',
      'pseudo_labels.round0.coco.json', 'pseudo_labels.round0.labelstudio.json',
      'pseudo_labels.round1.coco.json', 'pseudo_labels.round1.labelstudio.json',
      'predictions.coco.json', 'predictions.labelstudio.json',
    ]);
    for (const [name, value] of files) {
      if (name.endsWith('.coco.json')) {
        const ds = parsed(value);
        expect(ds.categories.map((c) => c.name)).toEqual(['cluster 0', 'cluster 1', 'cluster 2']);
      } else {
        expect((value as LabelStudioTask[]).map((t) => t.data.image).sort()).toEqual(['photos/a.jpg', 'photos/b.jpg']);
      }
    }
  });

  it('puts boxes in original pixels with their scores, clamped into the image', () => {
    // The proposals keep their run's image order (b first) and drop proposals without a class.
    expect(parsed(files.get('proposals.coco.json')).images.map((im) => im.file_name)).toEqual(['photos/b.jpg', 'photos/a.jpg']);
    expect(annotations(files.get('proposals.coco.json'))).toEqual([
      { image_id: 1, category_id: 3, bbox: [40, 80, 160, 160], score: 0.9 },
      { image_id: 2, category_id: 1, bbox: [0, 0, 320, 240], score: 0.7 },
    ]);
    expect(annotations(files.get('pseudo_labels.round0.coco.json'))).toEqual([
      { image_id: 1, category_id: 1, bbox: [0, 0, 320, 240], score: 0.7 },
      { image_id: 2, category_id: 3, bbox: [40, 80, 160, 160], score: 0.9 },
    ]);
    // Round 1 overhangs both sides (width 1.2): clamped to the image; no scores kept → 1.
    expect(annotations(files.get('pseudo_labels.round1.coco.json'))).toEqual([{ image_id: 1, category_id: 2, bbox: [0, 192, 640, 96], score: 1 }]);
    expect(annotations(files.get('predictions.coco.json'))).toEqual([{ image_id: 1, category_id: 2, bbox: [64, 48, 128, 96], score: 0.66 }]);
    const [task] = files.get('predictions.labelstudio.json') as LabelStudioTask[];
    expect(task?.predictions[0]?.model_version).toBe('simdetr-studio test predictions');
    expect(task?.predictions[0]?.result[0]?.value).toMatchObject({ x: 10, y: 10, width: 20, height: 20, rectanglelabels: ['cluster 1'] });
  });

  it('keeps the scores of the proposals that have a class, in order', () => {
    expect(Array.from(keptProposalScores(proposals.images[0]))).toEqual([expect.closeTo(0.9, 6)]);
    expect(keptProposalScores(undefined)).toHaveLength(0);
  });

  it('refuses targets or predictions that do not cover the run', () => {
    expect(() => runLabelFiles({ ...input, rounds: [{ round: 2, targets: [], scores: null }] })).toThrow(/round 2: expected targets for the run's 2 images, got 0/);
    expect(() => runLabelFiles({ ...input, predictions: [] })).toThrow(/predictions: expected the run's 2 images, got 0/);
    expect(() => runLabelFiles({ ...input, imageIds: ['a', 'gone'] })).toThrow(/image gone of the run is no longer in the dataset/);
  });
});

describe('a round read back from its COCO file', () => {
  const files = runLabelFiles(input);
  const byPath = new Map([...metas.values()].map((m) => [m.path, m]));

  it('gives the targets and scores the round trained on, in the file\'s image order', () => {
    const { imageIds, labels } = roundFromCoco(parsed(files.get('pseudo_labels.round0.coco.json')), 0, byPath, 3);
    expect(imageIds).toEqual(['a', 'b']);
    expect(labels.round).toBe(0);
    input.rounds[0]!.targets.forEach((t, i) => {
      expect(Array.from(labels.targets[i]!.classes)).toEqual(Array.from(t.classes));
      Array.from(t.boxes).forEach((v, j) => expect(labels.targets[i]!.boxes[j]).toBeCloseTo(v, 6));
      expect(Array.from(labels.scores![i]!)).toEqual(Array.from(input.rounds[0]!.scores![i]!));
    });
    // Round 1's box was clamped into the image on export; an image without boxes stays empty.
    const r1 = roundFromCoco(parsed(files.get('pseudo_labels.round1.coco.json')), 1, byPath, 3).labels;
    [0.5, 0.5, 1, 0.2].forEach((v, j) => expect(r1.targets[0]!.boxes[j]).toBeCloseTo(v, 6));
    expect(r1.targets[1]!.classes).toHaveLength(0);
  });

  it('names an image the dataset does not hold and a category outside the K pseudo-classes', () => {
    const round0 = parsed(files.get('pseudo_labels.round0.coco.json'));
    const elsewhere = new Map([...byPath].filter(([path]) => path !== 'photos/b.jpg'));
    expect(() => roundFromCoco(round0, 0, elsewhere, 3)).toThrow('pseudo_labels.round0.coco.json: image "photos/b.jpg" is not in the dataset; add it before importing this run');
    expect(() => roundFromCoco(round0, 0, byPath, 2)).toThrow(/^pseudo_labels\.round0\.coco\.json: annotation \d+ has category_id 3; the detector has pseudo-classes 1…2$/);
  });
});
