import { topicFor } from '../../../mqtt/topics.ts';
import { brokerUrl, Connection } from './connection.ts';
import { h } from './dom.ts';
import { t } from './i18n.ts';
import { remoteDeviceView } from './remote-device-view.ts';
import { Requests } from './requests.ts';
import { ServerClock } from './server-clock.ts';
import { SessionManager, type SignedIn } from './session.ts';
import { signInView } from './sign-in-view.ts';
import { type SiteInfo, SiteInfoSchema } from './site-info.ts';
import { StatusBar } from './status-bar.ts';
import { TopicRouter } from './topic-router.ts';

/**
 * What both pages do first: read `/config.json`, put up the status bar, ask who is there, then
 * connect to the broker with that person's credentials and route the messages. Signing out
 * (by hand, idle, or a session that ran out) reloads the page, which forgets everything it
 * showed.
 */
export interface PageContext {
  info: SiteInfo;
  session: SessionManager;
  signedIn: SignedIn;
  status: StatusBar;
  router: TopicRouter;
  requests: Requests;
  clock: ServerClock;
  /** Where the page puts its content (below the status bar). */
  main: HTMLElement;
  connection: () => Connection | undefined;
}

export interface BootOptions {
  page: 'kiosk' | 'yard';
  lane?: string;
  title: (info: SiteInfo) => string;
  /** The page's own subscription filters (the gateway's state topics are added). */
  subscriptions: (info: SiteInfo) => string[];
  /** Called once signed in, before connecting: add the page's routes and draw it. */
  start: (ctx: PageContext) => void;
}

const NOTICE_KEY = 'gatepost.signout';

export async function boot(o: BootOptions): Promise<void> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  const info = SiteInfoSchema.parse(await res.json());
  const session = new SessionManager(info, o.page, o.lane);
  const signOut = (why?: string) => {
    if (why) sessionStorage.setItem(NOTICE_KEY, why);
    location.reload();
  };
  const status = new StatusBar({ title: () => o.title(info), onSignOut: () => session.signOut() });
  const main = h('main', { class: 'page-main' });
  // The stale banner lives inside the bar (status-bar.ts), in space the bar always keeps.
  document.body.replaceChildren(status.el, main);

  // The demo from another device: no staff accounts and no anonymous access from there. Say so
  // plainly, instead of a sign-in that the broker refuses a moment later.
  if (!info.auth.signIn && info.auth.anonymous !== 'allowed') {
    document.body.appendChild(
      remoteDeviceView({
        title: () => o.title(info),
        access: info.auth.anonymous,
        page: o.page,
        ...(o.lane ? { lane: o.lane } : {}),
      }),
    );
    document.title = o.title(info);
    return;
  }

  const notice = sessionStorage.getItem(NOTICE_KEY) ?? undefined;
  sessionStorage.removeItem(NOTICE_KEY);
  const overlay = signInView({
    title: () => o.title(info),
    session,
    ...(notice ? { notice } : {}),
  });
  document.body.appendChild(overlay);

  session.onChange((s, why) => {
    if (!s) return signOut(why);
    if (!overlay.isConnected) return;
    overlay.remove();
    start(s);
  });

  let connection: Connection | undefined;
  const start = (signedIn: SignedIn) => {
    const site = info.site.id;
    const router = new TopicRouter(site);
    const clock = new ServerClock();
    const requests = new Requests(
      () => connection,
      () => session.current?.staffId,
    );
    const ctx: PageContext = {
      info,
      session,
      signedIn,
      status,
      router,
      requests,
      clock,
      main,
      connection: () => connection,
    };
    router
      .on('gatewayState', (s) => status.setGateway(s))
      .on('gatewayUplink', (s) => {
        status.setUplink(s);
        clock.sample(s.at);
      })
      .on('gatewayStorage', (s) => status.setStorage(s));
    status.setUser(signedIn.staffId);
    o.start(ctx);
    const uplinkTopic = topicFor('gatewayUplink', { site });
    let refusedOnce = false;
    connection = new Connection({
      url: brokerUrl(info.mqtt),
      clientIdPrefix: signedIn.anonymous ? `page-${o.page}` : signedIn.staffId,
      subscriptions: [
        topicFor('gatewayState', { site }),
        uplinkTopic,
        topicFor('gatewayStorage', { site }),
        ...o.subscriptions(info),
      ],
      credentials: () => session.credentials(),
      onMessage: (topic, payload) => router.dispatch(topic, payload),
      onStatus: (s) => {
        if (s.state === 'live') refusedOnce = false;
        status.setLink(s, uplinkTopic);
      },
      // A refused token: try once more with a fresh one, then back to the sign-in screen.
      onRefused: async () => {
        if (signedIn.anonymous) {
          session.signOut(t('signin.anonymousRefused'));
          return false;
        }
        if (refusedOnce) {
          session.signOut(t('signin.expired'));
          return false;
        }
        refusedOnce = true;
        return session.refresh();
      },
    });
    connection.start();
  };
  document.title = o.title(info);
}
