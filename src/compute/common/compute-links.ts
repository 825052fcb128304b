import type { ComputeRequestInfo } from './compute-request';

export interface Link {
  rel: string;
  href: string;
  type?: string;
}

/**
 * Builds Nova's `self` and `bookmark` links under the public URL, keeping the project segment
 * when the request carried one (as Nova does), so clients can follow them unchanged.
 */
export class ComputeLinks {
  private readonly root: string;
  private readonly base: string;
  private readonly project: string;

  constructor(
    publicUrl: string,
    readonly info: ComputeRequestInfo,
  ) {
    this.root = publicUrl.replace(/\/+$/, '');
    this.base = `${this.root}/compute`;
    this.project = info.pathProjectId ? `/${info.pathProjectId}` : '';
  }

  /** `.../compute/v2.1[/project]/<path>` */
  self(...segments: string[]): string {
    return `${this.base}/${this.info.version}${this.project}/${this.join(segments)}`;
  }

  /** `.../compute[/project]/<path>` (version-independent) */
  bookmark(...segments: string[]): string {
    return `${this.base}${this.project}/${this.join(segments)}`;
  }

  pair(...segments: string[]): Link[] {
    return [
      { rel: 'self', href: this.self(...segments) },
      { rel: 'bookmark', href: this.bookmark(...segments) },
    ];
  }

  /** The public URL of the image service, for the `alternate` link of images. */
  glanceImage(id: string): string {
    return `${this.root}/image/v2/images/${encodeURIComponent(id)}`;
  }

  /** An absolute URL for a path relative to the compute endpoint, with a query string. */
  collection(path: string, query: Record<string, string>): string {
    const qs = new URLSearchParams(query).toString();
    return `${this.self(...path.split('/'))}${qs ? `?${qs}` : ''}`;
  }

  private join(segments: string[]): string {
    return segments.map((s) => encodeURIComponent(s)).join('/');
  }
}
