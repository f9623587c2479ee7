// The data sets the zoo's models are trained on: each one's name, the word for one of its images, its
// class names, and the folder of its IDX splits under web/data (vae_core::zoo::DATASETS has the same folders).
import { t } from '../i18n/i18n.js';

export const DATASETS = {
  mnist: {
    name: 'MNIST', noun: 'digit', folder: '',
    // What the training panel trains on, and the zoo's model whose held-out figure is its reference band.
    pageTrain: 'train', pageTrainText: 'the 9,000 training digits', reference: 'mnist-2d.safetensors', referenceId: 'vae-2d',
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  },
  'fashion-mnist': {
    name: 'Fashion-MNIST', noun: 'image', folder: 'fashion-mnist/',
    // The first 12,000 of the 60,000 training images: a 9.4 MB download instead of 47 MB.
    pageTrain: 'train-page', pageTrainText: 'the first 12,000 Fashion-MNIST training images', reference: 'fashion-2d.safetensors', referenceId: 'fashion-vae-2d',
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  },
};

export const DEFAULT_DATASET = 'mnist';

/** The user's own images (panels/own-data.js) as a data set: `classes` are their label names (none if they
 *  are unlabelled) and `heldout` the share kept out of training ({ n, images, bytes, labels }). They stay in
 *  the page and its storage. */
export function setOwnDataset({ source, classes, heldout, trainN }) {
  DATASETS.own = {
    /** "your images (a.png)" or "your images (40 files)": `source` is the one file's name, or the count. */
    get name() { return /^\d+$/.test(source) ? t('your images ({n} files)', { n: Number(source) }) : t('your images ({file})', { file: source }); },
    noun: 'image', folder: null, own: true, classes, heldout, labelled: classes.length > 0,
    get pageTrainText() { return t('your {n} training images', { n: trainN }); }, reference: null, referenceId: null,
  };
  return DATASETS.own;
}

/** The data set called `id`, or MNIST's for a name it does not know (a file dropped on the page says none). */
export const dataset = (id) => DATASETS[id] ?? DATASETS[DEFAULT_DATASET];
