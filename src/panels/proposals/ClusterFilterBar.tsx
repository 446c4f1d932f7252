// Says that the grid is filtered to one pseudo-class, and clears the filter.

import { useStudio } from '../../store';
import { ClusterSwatch } from './ClusterSwatch';

export function ClusterFilterBar({ shown }: { shown: number }) {
  const cluster = useStudio((s) => s.selectedCluster);
  const select = useStudio((s) => s.selectCluster);
  if (cluster === null) return null;
  return (
    <div className="cluster-filter" data-testid="cluster-filter" role="status">
      <ClusterSwatch cluster={cluster} />
      <span>
        Showing {shown} {shown === 1 ? 'image' : 'images'} with cluster {cluster} —{' '}
      </span>
      <button type="button" onClick={() => select(null)}>
        Show all
      </button>
    </div>
  );
}
