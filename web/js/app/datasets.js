// The data sets the zoo's models are trained on: each one's name, the word for one of its images, its
// class names, and the folder of its IDX splits under web/data (vae_core::zoo::DATASETS has the same folders).
export const DATASETS = {
  mnist: {
    name: 'MNIST', noun: 'digit', folder: '',
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  },
  'fashion-mnist': {
    name: 'Fashion-MNIST', noun: 'image', folder: 'fashion-mnist/',
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  },
};

export const DEFAULT_DATASET = 'mnist';

/** The data set called `id`, or MNIST's for a name it does not know (a file dropped on the page says none). */
export const dataset = (id) => DATASETS[id] ?? DATASETS[DEFAULT_DATASET];
