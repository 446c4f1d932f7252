/**
 * Which files of which Debian packages the demo is built from. The lists are curated by
 * hand: most tuxpaint stamps are drawings or clip-art, and only the photographic
 * cut-outs below look like real objects. Backgrounds were chosen so that they do not
 * themselves show objects of a demo category (no big flowers, fruit or insects), which
 * would otherwise be unlabelled positives.
 */

export const PACKAGES = ['tuxpaint-stamps-default', 'mate-backgrounds', 'palapeli-data'] as const;

export interface CategorySpec {
  readonly name: string;
  readonly supercategory: string;
  /** Folder under usr/share/tuxpaint/stamps. */
  readonly dir: string;
  /** Stamp names, without '.png'. */
  readonly stamps: readonly string[];
}

export const STAMP_ROOT = 'usr/share/tuxpaint/stamps';

export const CATEGORIES: readonly CategorySpec[] = [
  {
    name: 'bird',
    supercategory: 'animal',
    dir: 'animals/birds',
    stamps: [
      'blackbird', 'crow', 'duck', 'drake', 'hen', 'rooster', 'pigeon',
      'lark', 'owl', 'pelican', 'tucan', 'seagull', 'rainbow-lorikeet', 'penguin',
    ],
  },
  {
    name: 'cattle',
    supercategory: 'animal',
    dir: 'animals/mammals/bovines',
    stamps: ['bison', 'bull', 'cow', 'cow_white', 'yak', 'zebu'],
  },
  {
    name: 'sheep_goat',
    supercategory: 'animal',
    dir: 'animals/mammals/bovines',
    stamps: ['goat', 'sheep', 'sheep_lamb', 'ram', 'mountaingoat'],
  },
  {
    name: 'rodent',
    supercategory: 'animal',
    dir: 'animals/mammals/rodents',
    stamps: ['beaver', 'capybara', 'marmot', 'mouse', 'rat', 'squirrel'],
  },
  {
    name: 'fish',
    supercategory: 'animal',
    dir: 'animals/fish',
    stamps: [
      'bluegroper', 'butterflyfish', 'clownfish', 'coraltrout',
      'dolphinfish', 'lionfish', 'moonwrasse', 'stripedfish',
    ],
  },
  {
    name: 'insect',
    supercategory: 'animal',
    dir: 'animals/insects',
    stamps: ['grasshopper', 'hornet', 'hoverfly', 'mantis', 'xanthia', 'fly'],
  },
  {
    name: 'apple',
    supercategory: 'food',
    dir: 'food/fruit',
    stamps: ['apple_fuji', 'apple_granny_smith', 'apple_green', 'apple_red', 'apple_sierra_beauty'],
  },
  {
    name: 'citrus',
    supercategory: 'food',
    dir: 'food/fruit',
    stamps: ['orange', 'mandarine', 'lemon', 'orange_seville', 'sliced_orange', 'sliced_lime'],
  },
  {
    name: 'vegetable',
    supercategory: 'food',
    dir: 'food/vegetables',
    stamps: [
      'broccoli', 'chilepepper', 'corn', 'eggplant', 'garlic', 'onion',
      'pepper', 'yellowpepper', 'pumpkin_small', 'potato', 'tomato', 'mushroom',
    ],
  },
  {
    name: 'flower',
    supercategory: 'plant',
    dir: 'plants/flowers',
    stamps: [
      'adeenia', 'anemone_red', 'daffodil', 'marigold', 'pigface', 'red-gazania',
      'rose', 'whitestar-petunia', 'yellow-flower', 'iris', 'flower8', 'flower9',
    ],
  },
  {
    name: 'tool',
    supercategory: 'household',
    dir: 'household/tools',
    stamps: [
      'hammer', 'mallet_metal', 'plyers', 'saw', 'wrench',
      'wrench_adjustable', 'wrench_plumbers', 'paintbrush_large',
    ],
  },
  {
    name: 'ball',
    supercategory: 'sports',
    dir: 'sports',
    stamps: ['australian_rules_football', 'basketball', 'cricketball', 'football', 'soccer', 'tennis_ball'],
  },
];

export interface BackgroundSpec {
  readonly pkg: (typeof PACKAGES)[number];
  /** Path inside the unpacked package tree. */
  readonly path: string;
  /** Who made the photo and under what terms, for the README. */
  readonly credit: string;
}

const MATE = 'usr/share/backgrounds/mate/nature';
const mate = (file: string, author: string): BackgroundSpec => ({
  pkg: 'mate-backgrounds',
  path: `${MATE}/${file}`,
  credit: `${author}; GPL-2+ per the package's copyright file`,
});

export const BACKGROUNDS: readonly BackgroundSpec[] = [
  mate('Aqua.jpg', 'Charles Barbin, 2008'),
  mate('Blinds.jpg', 'Lennart Poettering and Andrea Cimitan, 2008'),
  mate('Dune.jpg', 'Marco Cogoni, 2007, and Hylke Bons, 2008'),
  mate('GreenMeadow.jpg', 'Timothy Schellhase, 2005, and Lapo Calamandrei, 2008'),
  mate('RainDrops.jpg', '"blackcombwhistler07", 2008'),
  mate('Storm.jpg', 'Sergey Nazarov, 2008'),
  mate('TwoWings.jpg', 'Charles Barbin and Hylke Bons, 2008'),
  mate('Wood.jpg', 'Jean-François Fortin Tam, 2008'),
  {
    pkg: 'palapeli-data',
    path: 'usr/share/palapeli/collection/cincinnati-bridge.jpg',
    credit:
      'Derek Jensen, "Roebling Suspension Bridge" from Wikimedia Commons; the puzzle metadata ' +
      '(cincinnati-bridge.desktop) marks it Public Domain, and the Debian copyright file lists the ' +
      'package as GPL-2+',
  },
];

/** Upstream puzzle metadata kept next to the licences because it carries the photo's credit. */
export const EXTRA_LICENCE_FILES = [
  { pkg: 'palapeli-data', path: 'usr/share/palapeli/collection/cincinnati-bridge.desktop' },
] as const;
