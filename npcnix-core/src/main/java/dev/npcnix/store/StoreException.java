package dev.npcnix.store;

import dev.npcnix.NpcnixException;

/**
 * A store could not do what was asked. The message names the remote and the cause; {@link #reason()}
 * classifies it so callers can wait for a remote that does not exist yet, or back off.
 */
public final class StoreException extends NpcnixException {
    private static final long serialVersionUID = 1L;

    /** Why a store operation failed. */
    public enum Reason {
        /** The object (or its bucket) does not exist (404). */
        NOT_FOUND,
        /** Credentials missing or not allowed (401/403). */
        ACCESS_DENIED,
        /** Could not connect, DNS failure, connection reset, timeout. */
        UNREACHABLE,
        /** The server answered 5xx or asked us to slow down. */
        SERVER_ERROR,
        /** The bytes received do not match what the store said it sent (length, checksum). */
        CORRUPT,
        /** A conditional write found the object changed or present: someone else wrote it meanwhile. */
        CONFLICT,
        /** The store cannot do this at all (publishing to an http:// remote). */
        UNSUPPORTED,
        /** Anything else the store reported. */
        OTHER
    }

    private final Reason reason;

    public StoreException(RemoteUri remote, Reason reason, String why, Throwable cause) {
        super("remote " + remote + ": " + why, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /**
     * Every store failure is worth retrying for a daemon: a missing object or a denied request
     * can be fixed on the store's side without touching the host. Only an unsupported operation is final.
     */
    @Override
    public boolean isTransient() {
        return reason != Reason.UNSUPPORTED;
    }
}
