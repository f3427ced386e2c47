// Stable error codes of `d4c deploy`: the inputs it checks before it writes manifests. Never
// renumber: users grep for them.
import { errorCodes } from '../util/index.js';

export const DEPLOY_CODES = errorCodes('DEP', {
  invalid: [
    1,
    'the policy / the rules have <n> error(s): the diagnostics follow at FILE:LINE:COL; fix them (d4c policy validate, d4c rules list)',
  ],
  unreadable: [2, 'cannot read the policy: <reason> / no rule file (*.toml) found'],
  tooLarge: [
    3,
    'ConfigMap <name> would hold <n> bytes (Kubernetes allows 1048576): give fewer rules / a file name is not a ConfigMap key, or two are the same key: rename it',
  ],
});
