import { useState } from 'react';
import { oidcSettings, signInWithOidc } from '../session.js';

/** Shown while nobody is signed in: OIDC when configured, otherwise how to open a token link. */
export function SignIn({ failure }: { readonly failure?: string }) {
  const oidc = oidcSettings();
  const [error, setError] = useState(failure);
  return (
    <main className="sign-in">
      <h1>secrets-broker console</h1>
      {error && (
        <p role="alert" className="error">
          Sign-in failed: {error}
        </p>
      )}
      {oidc ? (
        <>
          <p>Sign in with your organisation's identity provider ({new URL(oidc.issuer).host}).</p>
          <button
            type="button"
            className="primary"
            onClick={() => {
              signInWithOidc().catch((reason: unknown) => setError(String(reason)));
            }}
          >
            Sign in
          </button>
        </>
      ) : (
        <p>
          This broker has no sign-in provider configured. Open the console with a token in the address:{' '}
          <code>/console/#token=&lt;jwt&gt;</code> (the console removes it from the address bar at once).
        </p>
      )}
      <p className="muted">You are signed out. Nothing of your session is kept in this browser.</p>
    </main>
  );
}
