const V20 = {
  id: 'v2.0',
  status: 'SUPPORTED',
  version: '',
  min_version: '',
  updated: '2011-01-21T11:33:21Z',
};
const V21 = {
  id: 'v2.1',
  status: 'CURRENT',
  version: '2.1',
  min_version: '2.1',
  updated: '2013-07-23T11:33:21Z',
};

function base(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/compute`;
}

/** `GET /` and `GET /compute/`: the versions list, v2.0 first (DESIGN §7). */
export function versionsList(publicUrl: string): { versions: unknown[] } {
  return {
    versions: [
      { ...V20, links: [{ rel: 'self', href: `${base(publicUrl)}/v2/` }] },
      { ...V21, links: [{ rel: 'self', href: `${base(publicUrl)}/v2.1/` }] },
    ],
  };
}

/** `GET /compute/v2` and `GET /compute/v2.1`: one version document with its media types. */
export function versionDocument(publicUrl: string, id: 'v2' | 'v2.1'): { version: unknown } {
  const v = id === 'v2' ? V20 : V21;
  return {
    version: {
      ...v,
      links: [
        { rel: 'self', href: `${base(publicUrl)}/${id}/` },
        { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
      ],
      'media-types': [
        {
          base: 'application/json',
          type: `application/vnd.openstack.compute+json;version=${id === 'v2' ? '2' : '2.1'}`,
        },
      ],
    },
  };
}
