//! A request's session from its cookies: opened, checked against the revocations (its id, its
//! token's family, the person), ended at its lifetime, and refreshed when its access token is
//! about to expire.

use super::*;
use crate::AuthError;

impl Sessions {
    /// Reads the session of a request, refreshing it if it is about to expire.
    pub async fn resolve(&self, headers: &http::HeaderMap) -> Resolved {
        self.resolve_with(headers, true).await
    }

    /// [`Sessions::resolve`]; with `may_refresh` false, the session as its cookies hold it, however
    /// near its end: for the sign-out, which must revoke the refresh token the browser holds and
    /// the access tokens already issued, not mint new ones first (with rotation, the new
    /// refresh token would outlive the sign-out).
    pub(super) async fn resolve_with(&self, headers: &http::HeaderMap, may_refresh: bool) -> Resolved {
        let jar = jar_of(headers);
        let had_cookies = jar.get(self.session_name()).is_some() || jar.get(self.refresh_name()).is_some();
        let signed_out = || Resolved {
            session: None,
            set_cookies: if had_cookies { self.clear_all(&jar) } else { vec![] },
            unavailable: false,
        };
        let Some((mut refresh, mut refresh_stale)) = self.read_sealed::<RefreshCookie>(&jar, self.refresh_name())
        else {
            // No usable refresh token: no session. Stale or forged cookies are removed.
            return signed_out();
        };
        let sealed_session = match self.open_session(&jar).await {
            Ok(opened) => opened,
            // Kept in the store, which cannot be asked: neither accepted nor signed out.
            Err(StoreDown) => {
                return Resolved {
                    session: None,
                    set_cookies: vec![],
                    unavailable: true,
                };
            }
        };
        let (current, mut session_stale) = match sealed_session {
            Some((c, stale)) => {
                // The two cookies must come from the same sign-in. A pair that does not (a
                // refresh cookie copied next to someone else's session) is no session at all.
                if c.sid != refresh.sid {
                    tracing::warn!("session and refresh cookies from different sign-ins; signing out");
                    return signed_out();
                }
                (
                    Some(Session {
                        access_token: c.at,
                        expires_at: c.exp,
                        email: c.email,
                        sub: c.sub,
                        refreshed_at: c.refreshed_at,
                        authenticated_at: c.auth_at,
                        session_id: c.sid.unwrap_or_default(),
                    }),
                    stale,
                )
            }
            None => (None, false),
        };
        // Cookies from before the two were bound carry no id: they are read this once and get
        // one, so a deploy does not sign everybody out. That is safe because a pair with one id
        // and one without was refused above (new cookies cannot be paired with old ones), and
        // `authenticated_at` never outlives a refresh that names another `sub` (below).
        let session_id = match refresh.sid.clone() {
            Some(id) => id,
            None => {
                let id = new_session_id();
                refresh.sid = Some(id.clone());
                (refresh_stale, session_stale) = (true, true);
                id
            }
        };
        let current = current.map(|mut s| {
            s.session_id.clone_from(&session_id);
            s
        });
        let now = self.clock.now();
        // Cookies from before the session's start and owner were kept get them now (a deploy
        // signs nobody out; such a session's clock starts here). Until the browser keeps the
        // new cookie, its start is unknown: any revocation of the person refuses it.
        let start_known = refresh.at.is_some();
        if !start_known && now > START_KEPT_SINCE + self.max_age.as_secs() as i64 {
            tracing::info!(
                "a refresh cookie without its session's start, past the last day it could be current; signing out"
            );
            self.revoke_at_cognito(&session_id, &refresh.rt);
            return signed_out();
        }
        let started_at = match refresh.at {
            Some(at) => at,
            None => {
                refresh.at = Some(now);
                refresh_stale = true;
                now
            }
        };
        if refresh.sub.is_none()
            && let Some(session) = &current
        {
            refresh.sub = Some(session.sub.clone());
            refresh_stale = true;
        }
        // A cookie sealed with the previous key (or without an id, a start or an owner) is sealed again, so that the
        // previous key can be dropped once every session has passed by.
        let reseal_refresh = || {
            if refresh_stale {
                self.seal_refresh(&refresh)
            } else {
                None
            }
        };
        // Past its lifetime a session is over, whatever the browser kept: a session ended from
        // the list (its revocation is kept exactly that long) must not come back after it.
        if now - started_at > self.max_age.as_secs() as i64 {
            tracing::info!("a session older than SESSION_MAX_AGE_SECS came back; signing out");
            self.revoke_at_cognito(&session_id, &refresh.rt);
            return signed_out();
        }
        // Signed out (here, on another instance, or everywhere) while these cookies were
        // elsewhere: a copy, another browser of the same person, a session ended from the
        // sessions list. Its refresh token is revoked at Cognito too (for the last, nobody
        // else had it), and the cookies cleared.
        let (sub, jwt) = current
            .as_ref()
            .map_or((refresh.sub.as_deref().unwrap_or_default(), ""), |s| {
                (s.sub.as_str(), s.access_token.as_str())
            });
        let judged_start = if start_known { started_at } else { 0 };
        match self
            .revocations
            .is_session_revoked(sub, &session_id, jwt, Some(judged_start), now)
            .await
        {
            Ok(false) => {}
            Ok(true) => {
                tracing::info!("the cookies of a signed-out session came back; signing out");
                self.revoke_at_cognito(&session_id, &refresh.rt);
                return signed_out();
            }
            Err(StoreDown) => {
                return Resolved {
                    session: None,
                    set_cookies: vec![],
                    unavailable: true,
                };
            }
        }
        if let Some(session) = &current
            && (!may_refresh || session.expires_at - now > self.margin.as_secs() as i64)
        {
            let mut set_cookies = if session_stale {
                self.session_headers(session).await.unwrap_or_default()
            } else {
                vec![]
            };
            set_cookies.extend(reseal_refresh());
            return Resolved {
                session: current,
                set_cookies,
                unavailable: false,
            };
        }
        // Cookies from before the username was kept: in pools that sign in with e-mail the
        // internal username is the `sub`.
        let username = refresh
            .un
            .clone()
            .or_else(|| current.as_ref().map(|s| s.sub.clone()))
            .unwrap_or_default();
        match self
            .refresh(&refresh.rt, &username, &session_id, refresh.dk.as_deref())
            .await
        {
            Ok(tokens) => {
                let refreshed: Result<(Session, Vec<HeaderValue>), AuthError> = async {
                    let mut session = self.session_from(&tokens, Some(now), session_id.clone())?;
                    let same_person = current.as_ref().filter(|old| old.sub == session.sub);
                    // A refresh answer carries no e-mail when the ID token lacks it; keep the old one.
                    if session.email.is_empty()
                        && let Some(old) = same_person
                    {
                        session.email.clone_from(&old.email);
                    }
                    // The password typed at sign-in counts for this session only while it
                    // is the same person's.
                    session.authenticated_at = same_person.and_then(|old| old.authenticated_at);
                    let mut headers = self.session_headers(&session).await?;
                    // Rotation: the old refresh token dies after the grace period, so the new
                    // one must reach the browser with this very response.
                    if let Some(rotated) = tokens.refresh_token.as_deref().filter(|rt| *rt != refresh.rt) {
                        headers.push(self.refresh_header(
                            rotated,
                            &tokens.access_token,
                            &session_id,
                            refresh.pool,
                            started_at,
                            refresh.dk.as_deref(),
                        )?);
                    } else {
                        headers.extend(reseal_refresh());
                    }
                    Ok((session, headers))
                }
                .await;
                // A session whose owner its cookies did not say (an old refresh cookie alone) is
                // judged again now that the refresh named them.
                let owner_unknown = current.is_none() && sub.is_empty();
                if let Ok((session, _)) = &refreshed
                    && owner_unknown
                    && self
                        .revocations
                        .is_session_revoked(&session.sub, &session_id, "", Some(judged_start), now)
                        .await
                        != Ok(false)
                {
                    tracing::info!("a refresh cookie without its owner came back for a signed-out person; signing out");
                    self.revoke_at_cognito(&session_id, &refresh.rt);
                    return signed_out();
                }
                match refreshed {
                    Ok((session, set_cookies)) => Resolved {
                        session: Some(session),
                        set_cookies,
                        unavailable: false,
                    },
                    // Tokens this app cannot read or keep (a session too big for its cookies):
                    // signed out, and the sign-in form says why.
                    Err(_) => Resolved {
                        session: None,
                        set_cookies: self.clear(),
                        unavailable: false,
                    },
                }
            }
            // Revoked or expired refresh token: the session is over. Clearing the cookies here
            // is what stops a redirect loop between the sign-in page and a protected one.
            Err(AuthError::SessionExpired) => Resolved {
                session: None,
                set_cookies: self.clear(),
                unavailable: false,
            },
            // Cognito unreachable or throttling, or another instance refreshing this session
            // right now: keep the cookies for the next try, and use the current access token
            // while it is still valid.
            Err(_) => Resolved {
                session: current.filter(|s| s.expires_at > now),
                set_cookies: vec![],
                unavailable: false,
            },
        }
    }
}
