/** Who is calling, as established from the request's token by the auth guard. */
export interface AuthContext {
  userId: string;
  userName: string;
  domainId: string;
  /** Null for an unscoped token. */
  projectId: string | null;
  projectName: string | null;
  roles: string[];
  /** Holds the `admin` role on the scoped project. */
  isAdmin: boolean;
  /** Holds only `reader`: may not change anything. */
  readOnly: boolean;
  /** SHA-256 of the token (never the token itself). */
  tokenHash: string;
  auditId: string;
  expiresAt: Date;
  methods: string[];
}

export type RequestWithAuth = { auth?: AuthContext; requestId?: string };
