// How a pseudo-class is drawn, shared by every panel, so a class looks the same on the images, in
// the gallery and on the map. Sasha Trubetskoy's 20 distinct colours without grey, white and
// black (grey is kept for "not clustered yet"); past the 19 colours, the line style changes.

const COLOURS = [
  '#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#fabed4',
  '#469990', '#dcbeff', '#9a6324', '#fffac8', '#800000', '#aaffc3', '#808000', '#ffd8b1', '#000075',
] as const;

/** Line dash per cycle through the colours: solid, long dash, short dash, dash-dot. */
const DASHES: readonly (readonly number[])[] = [[], [8, 4], [3, 3], [8, 3, 2, 3]];

export const UNCLUSTERED_COLOUR = '#9aa0a6';

export interface ClusterStyle {
  colour: string;
  dash: readonly number[];
}

export function clusterStyle(cluster: number): ClusterStyle {
  if (cluster < 0 || !Number.isInteger(cluster)) return { colour: UNCLUSTERED_COLOUR, dash: [] };
  const colour = COLOURS[cluster % COLOURS.length] ?? UNCLUSTERED_COLOUR;
  const dash = DASHES[Math.floor(cluster / COLOURS.length) % DASHES.length] ?? [];
  return { colour, dash };
}

export function clusterColour(cluster: number): string {
  return clusterStyle(cluster).colour;
}
