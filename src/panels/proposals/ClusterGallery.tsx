// The pseudo-classes of the last complete run, largest first, each with its best-scoring crops.
// Picking one filters the image grid to the images that hold it.

import { useMemo } from 'react';
import { useStudio } from '../../store';
import { ClusterSwatch } from './ClusterSwatch';

const CROPS_SHOWN = 8;

export function ClusterGallery() {
  const view = useStudio((s) => s.proposals);
  const running = useStudio((s) => s.proposalRun !== null);
  const selected = useStudio((s) => s.selectedCluster);
  const select = useStudio((s) => s.selectCluster);
  const result = view?.result;
  const order = useMemo(() => {
    const sizes = result?.clusterSizes ?? [];
    return sizes.map((size, k) => ({ k, size })).sort((a, b) => b.size - a.size || a.k - b.k);
  }, [result]);

  if (!view || !result) {
    return (
      <p className="empty" data-testid="cluster-gallery-empty">
        {running ? 'Pseudo-classes appear when the running job finishes.' : 'Run proposals to see the pseudo-classes here.'}
      </p>
    );
  }
  return (
    <section className="cluster-gallery" data-testid="cluster-gallery" aria-label="Pseudo-classes">
      <p className="hint">
        {result.K} pseudo-classes, largest first{running ? ' (from the last complete run)' : ''}. Pick one to show only the
        images that hold it.
      </p>
      <ul>
        {order.map(({ k, size }) => (
          <li key={k}>
            <button
              type="button"
              className="cluster-row"
              data-cluster={k}
              aria-pressed={selected === k}
              onClick={() => select(selected === k ? null : k)}
            >
              <ClusterSwatch cluster={k} />
              <span className="cluster-name">
                Cluster {k} · {size}
              </span>
              <span className="crops">
                {(view.gallery[k] ?? []).slice(0, CROPS_SHOWN).map((c) => (
                  <img key={`${c.imageId}:${c.index}`} src={c.url} alt={`cluster ${k} crop`} width={48} height={48} loading="lazy" />
                ))}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
