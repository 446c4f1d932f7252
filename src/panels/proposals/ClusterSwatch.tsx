// A short line in a pseudo-class's colour and dash, the way its boxes and points are drawn.

import { clusterStyle } from '../../components/clusterPalette';

export function ClusterSwatch({ cluster }: { cluster: number }) {
  const { colour, dash } = clusterStyle(cluster);
  return (
    <svg className="swatch" width="28" height="14" viewBox="0 0 28 14" aria-hidden="true">
      <line x1="1" y1="7" x2="27" y2="7" stroke="rgba(0,0,0,0.6)" strokeWidth="7" />
      <line x1="2" y1="7" x2="26" y2="7" stroke={colour} strokeWidth="5" strokeDasharray={dash.map((d) => d * 1.2).join(' ') || undefined} />
    </svg>
  );
}
