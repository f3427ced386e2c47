// container.image.* use the one image reference normaliser in src/util/image-ref.ts.
export {
  DEFAULT_DOMAIN,
  type ImageRef,
  type ImageRefResult,
  normaliseImageName,
  parseImageRef,
  tryParseImageRef,
} from '../util/index.js';
