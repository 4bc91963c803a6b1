import { topicFor } from '../../../mqtt/topics.ts';
import type { PageContext } from './boot.ts';
import { type CardAction, issueCardDialog } from './card-dialog.ts';

/**
 * The page's way to the gateway's card issuer: the card requests on
 * `gatepost/{site}/cards/request/<action>` in the shared envelope, with the signed-in person's
 * staff ID, each reply matched on `cards/response/<action>` (the page routes those replies to its
 * requests), and the issue dialog for a truck (kiosk: `{ lane }`, yard: `{ bay }`).
 */
export class CardDesk {
  /** `lane`: a kiosk's own lane, named in its reprints and revocations (the broker checks it). */
  constructor(
    private readonly ctx: PageContext,
    private readonly lane?: string,
  ) {}

  send(action: CardAction, data: Record<string, unknown>) {
    const name = (
      { issue: 'cardRequestIssue', reprint: 'cardRequestReprint', revoke: 'cardRequestRevoke' } as const
    )[action];
    const withLane = this.lane !== undefined && action !== 'issue' ? { ...data, lane: this.lane } : data;
    return this.ctx.requests.send(topicFor(name, { site: this.ctx.info.site.id }), withLane);
  }

  issue(plate: string | undefined, target: { lane: string } | { bay: string }): void {
    issueCardDialog(plate, target, (a, d) => this.send(a, d));
  }
}
