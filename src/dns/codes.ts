// Stable error codes of DNS (issue 18): the wire-format parser's refusals (counted in the
// agent's `dns.malformed`, never thrown past the tracker) and the `--ioc-domains FILE` list, whose
// bad lines are reported at FILE:LINE:COL. Never renumber: users grep for them.
import { errorCodes } from '../util/index.js';

export const DNS_CODES = errorCodes('DNS', {
  short: [1, '<n> bytes is shorter than a DNS header'],
  pastEnd: [2, 'a name, question, record or TXT string runs past the end of the message'],
  badLabel: [
    3,
    'reserved label type / compression pointer loop or forward pointer / name longer than 255 bytes',
  ],
  tooManyRecords: [4, 'more records than the message can hold'],
  iocBadLine: [10, 'not a domain name: "<line>" (<reason>) (in the --ioc-domains list, at FILE:LINE:COL)'],
  iocUnreadable: [11, 'cannot read the IoC domain list: <reason>'],
});
