// The API key lives in sessionStorage only: it is gone when the tab closes, is never sent as a cookie (so no other
// site can make the browser use it), and is not shared with other tabs the way localStorage would be.
const KEY = 'braid.apiKey';
const ORG = 'braid.orgName';

export const session = {
  get apiKey() { return sessionStorage.getItem(KEY); },
  get orgName() { return sessionStorage.getItem(ORG); },
  signIn(apiKey) { sessionStorage.setItem(KEY, apiKey); },
  useOrg(name) { sessionStorage.setItem(ORG, name); },
  signOut() { sessionStorage.removeItem(KEY); sessionStorage.removeItem(ORG); },
};
