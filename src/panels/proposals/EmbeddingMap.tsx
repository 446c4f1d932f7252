// Every proposal of the last complete run on the first two principal components of its
// embedding, coloured by pseudo-class. Click a point or draw a lasso to pick proposals.

import { useMemo } from 'react';
import { useStudio } from '../../store';
import { MapCanvas } from './MapCanvas';
import { mapPoints, refKey } from './mapPoints';
import { MapSelection } from './MapSelection';

export function EmbeddingMap() {
  const view = useStudio((s) => s.proposals);
  const running = useStudio((s) => s.proposalRun !== null);
  const refs = useStudio((s) => s.selectedProposals);
  const focus = useStudio((s) => s.selectedCluster);
  const selectProposals = useStudio((s) => s.selectProposals);
  const selectImage = useStudio((s) => s.selectImage);
  const points = useMemo(() => (view ? mapPoints(view) : null), [view]);
  const selected = useMemo(() => {
    if (points === null || typeof points === 'string') return new Set<number>();
    return new Set(refs.map((r) => points.indexOf.get(refKey(r))).filter((i): i is number => i !== undefined));
  }, [points, refs]);

  if (!view?.result || points === null) {
    return (
      <p className="empty">{running ? 'The map appears when the running job finishes.' : 'Run proposals to see their map here.'}</p>
    );
  }
  if (typeof points === 'string') {
    return (
      <p className="warning" role="status" data-testid="embedding-map-message">
        {points}
      </p>
    );
  }
  const [pc1, pc2] = view.result.mapExplained;
  const P = points.refs.length;
  const onPick = (picked: number[], byClick: boolean) => {
    const chosen = picked.map((p) => points.refs[p]).filter((r) => r !== undefined);
    selectProposals(chosen);
    if (byClick && chosen[0]) selectImage(chosen[0].imageId);
  };
  return (
    <section className="embedding-map" aria-label="Embedding map">
      <p className="map-caption">
        <span>
          {P} proposals{running ? ' (last complete run)' : ''} ·{' '}
          <span data-testid="map-explained">
            PC1 {(pc1 * 100).toFixed(1)}% · PC2 {(pc2 * 100).toFixed(1)}%
          </span>
        </span>
        <span className="hint">Click a point to pick it, or drag around points to lasso them.</span>
      </p>
      <MapCanvas
        points={points}
        selected={selected}
        focusCluster={focus}
        label={`Map of ${P} proposal embeddings on their first two principal components, coloured by pseudo-class; ${selected.size} selected`}
        onPick={onPick}
      />
      <MapSelection />
    </section>
  );
}
