// Stable error codes of image references (policy values, `d4c` options, Elastic's
// containerImageFullName). Never renumber: users grep for them.
import { errorCodes } from './error-codes.js';

export const IMAGE_REF_CODES = errorCodes('IMG', {
  empty: [1, 'image reference is empty'],
  badRegistry: [2, 'invalid registry "<registry>" in "<ref>"'],
  badComponent: [3, 'invalid repository name component "<component>" in "<ref>"'],
  badTag: [4, 'invalid tag "<tag>" in "<ref>"'],
  badDigest: [5, 'invalid digest "<digest>" in "<ref>"'],
  nameTooLong: [6, 'repository name exceeds 255 characters in "<ref>"'],
  imageId: [7, '"<ref>" is a 64-hex image id, not a repository name'],
});
