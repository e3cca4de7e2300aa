/**
 * The absolute URLs the gateway hands out: links to a lifecycle's resources, and finish links a
 * browser on another origin posts to. The base is the configured public URL, or else the address
 * the gateway listens on, read when a link is made (a gateway on port 0 learns its port late).
 * Never the request's Host header: a forged header must not be able to point links elsewhere.
 */
export class PublicLinks {
  constructor(private readonly base: () => string) {}

  assembly(id: string): string {
    return `${this.base()}/v1/assemblies/${encodeURIComponent(id)}`;
  }

  interview(id: string): string {
    return `${this.assembly(id)}/interview`;
  }

  result(id: string): string {
    return `${this.assembly(id)}/result`;
  }

  documents(id: string): string {
    return `${this.assembly(id)}/documents`;
  }

  /** A document's download link; it names the session, so that it keeps working whatever comes later. */
  document(id: string, documentId: string, versionId: string): string {
    return `${this.documents(id)}/${encodeURIComponent(documentId)}?versionId=${encodeURIComponent(versionId)}`;
  }

  finish(token: string): string {
    return `${this.base()}/v1/finish/${token}`;
  }

  forAssembly(id: string): { self: string; interview: string; result: string } {
    return { self: this.assembly(id), interview: this.interview(id), result: this.result(id) };
  }
}

/** http://host:port of a listening server address; IPv6 hosts bracketed, wildcard hosts as loopback. */
export function listeningOrigin(address: { address: string; port: number; family: string }): string {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
