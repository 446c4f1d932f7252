// The selected image with the boxes the Show toggle asks for. Pseudo-labels are the newest round's
// targets once a run sent them, and the proposals (with their own preview) before that.

import { useStudio } from '../../store';
import type { ImageMeta } from '../../worker/protocol';
import { ProposalPreview } from '../proposals/ProposalPreview';
import { DetectionPreview } from './DetectionPreview';
import { latestRound, type ShowMode } from './detectionView';

interface Props {
  image: ImageMeta;
  url: string;
  mode: ShowMode;
}

export function DetailPreview({ image, url, mode }: Props) {
  const hasTargets = useStudio((s) => {
    const round = latestRound(s.roundTargets);
    return round !== null && s.roundTargets[round]?.[image.id] !== undefined;
  });
  if (mode === 'pseudo' && !hasTargets) return <ProposalPreview key={image.id} image={image} url={url} />;
  return <DetectionPreview key={`${image.id}-${mode}`} image={image} url={url} mode={mode} />;
}
