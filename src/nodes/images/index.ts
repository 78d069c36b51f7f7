// Node family 'images': resize, crop, rotate, flip, grayscale and image_to_pdf (NODES 15.4-15.9). sharp
// and pdf-lib load inside run(); the PDF rendering nodes live in the docs family.
import type { NodeDefinition } from '../types.js';
import { imageToPdf } from './image-to-pdf.js';
import { imageCrop, imageFlip, imageGrayscale, imageResize, imageRotate } from './transform.js';

export const nodes: NodeDefinition[] = [
  imageResize,
  imageCrop,
  imageRotate,
  imageFlip,
  imageGrayscale,
  imageToPdf,
] as NodeDefinition[];
