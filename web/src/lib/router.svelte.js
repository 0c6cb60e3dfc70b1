// A small client-side router over the History API (spiderd answers
// index.html for every unknown non-/spider path).
export const route = $state({ path: location.pathname });

export function navigate(path, { replace = false } = {}) {
  if (path === route.path) return;
  if (replace) history.replaceState({}, '', path);
  else history.pushState({}, '', path);
  route.path = path;
}

addEventListener('popstate', () => { route.path = location.pathname; });
