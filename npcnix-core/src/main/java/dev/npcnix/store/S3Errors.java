package dev.npcnix.store;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;

/**
 * Turns what the SDK threw into one line naming the remote, the IAM action and the cause, classified by
 * the exception's type, the HTTP status and S3's error code, never by the text of an SDK message. No
 * credentials or signatures ever reach the message ({@link Redact}).
 */
final class S3Errors {
    private static final Set<String> ACCESS_CODES = Set.of("AccessDenied", "InvalidAccessKeyId",
            "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "AllAccessDisabled",
            "AccountProblem", "InvalidSecurity", "RequestTimeTooSkewed");

    /** How messages name the server when it cannot be reached ({@code host:port}). */
    private final String endpointName;

    S3Errors(String endpointName) {
        this.endpointName = endpointName;
    }

    StoreException translate(RemoteUri remote, String action, Exception e) {
        if (e instanceof StoreException s) {
            return s;
        }
        if (e instanceof AwsServiceException service) {
            return service(remote, action, service);
        }
        Optional<Throwable> unresolved = cause(e, UnknownHostException.class, UnresolvedAddressException.class);
        if (unresolved.isPresent()) {
            return new StoreException(remote, StoreException.Reason.UNREACHABLE, "cannot reach " + endpointName
                    + ": the host name does not resolve (DNS)", e);
        }
        if (cause(e, IOException.class, ApiCallTimeoutException.class, ApiCallAttemptTimeoutException.class).isPresent()) {
            return new StoreException(remote, StoreException.Reason.UNREACHABLE,
                    "cannot reach " + endpointName + ": " + describeNetworkFailure(e), e);
        }
        return new StoreException(remote, StoreException.Reason.OTHER, Redact.message(String.valueOf(e.getMessage())), e);
    }

    /** The credential chain found nothing (resolved before each client call, so known by where it failed). */
    static StoreException noCredentials(RemoteUri remote, Exception e) {
        return new StoreException(remote, StoreException.Reason.ACCESS_DENIED,
                "no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE,"
                        + " or run with an instance role)", e);
    }

    private static StoreException service(RemoteUri remote, String action, AwsServiceException e) {
        int status = e.statusCode();
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        Optional<String> bucketRegion = e.awsErrorDetails() == null || e.awsErrorDetails().sdkHttpResponse() == null
                ? Optional.empty()
                : e.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("x-amz-bucket-region");
        if (status == 412 || "PreconditionFailed".equals(code) || "ConditionalRequestConflict".equals(code)) {
            return new StoreException(remote, StoreException.Reason.CONFLICT,
                    "changed meanwhile (written by someone else; HTTP " + status + ")", e);
        }
        if ("NoSuchBucket".equals(code)) {
            return new StoreException(remote, StoreException.Reason.NOT_FOUND,
                    "bucket " + remote.bucket() + " does not exist", e);
        }
        if ("NoSuchKey".equals(code) || status == 404) {
            return new StoreException(remote, StoreException.Reason.NOT_FOUND, "not found", e);
        }
        if (status == 301 || "PermanentRedirect".equals(code) || "AuthorizationHeaderMalformed".equals(code)) {
            return new StoreException(remote, StoreException.Reason.OTHER, "wrong region"
                    + bucketRegion.map(r -> ": bucket " + remote.bucket() + " is in " + r).orElse("")
                    + " (set --remote-region)", e);
        }
        // Set.of(...).contains(null) throws: answers without an S3 error code (a 307, a proxy's HTML
        // error page, any HEAD) must still become a store failure, not crash the daemon.
        if (status == 401 || status == 403 || (code != null && ACCESS_CODES.contains(code))) {
            return new StoreException(remote, StoreException.Reason.ACCESS_DENIED,
                    "access denied (" + action + ")" + accessHint(code), e);
        }
        if (status >= 500 || status == 429 || "SlowDown".equals(code)) {
            return new StoreException(remote, StoreException.Reason.SERVER_ERROR,
                    "server error (HTTP " + status + (code == null ? "" : " " + code) + ")", e);
        }
        if ("BadDigest".equals(code) || "InvalidDigest".equals(code)) {
            return new StoreException(remote, StoreException.Reason.CORRUPT,
                    "the upload arrived damaged (Content-MD5 mismatch); was the archive changed while uploading?", e);
        }
        String text = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        return new StoreException(remote, StoreException.Reason.OTHER, "HTTP " + status
                + (code == null ? "" : " " + code) + (text == null ? "" : ": " + Redact.message(text))
                + (status >= 300 && status < 400 ? " (redirects are not followed)" : ""), e);
    }

    private static String accessHint(String code) {
        if (code == null) {
            return "";
        }
        return switch (code) {
            case "InvalidAccessKeyId" -> ": the access key id is not known to the store";
            case "SignatureDoesNotMatch" -> ": request signature rejected, check the secret key";
            case "ExpiredToken", "TokenRefreshRequired" -> ": the session token has expired";
            case "RequestTimeTooSkewed" -> ": the host clock is too far off";
            default -> "";
        };
    }

    /**
     * An answer to the direct PUT ({@link S3DirectGet#put}) that is not a success, by its status alone
     * (its XML error body is not read: the direct path exists to keep the XML stack out of the daemon).
     */
    StoreException status(RemoteUri object, String action, int status) {
        if (status == 401 || status == 403) {
            return new StoreException(object, StoreException.Reason.ACCESS_DENIED, "access denied (" + action + ")", null);
        }
        if (status == 404) {
            return new StoreException(object, StoreException.Reason.NOT_FOUND, "bucket " + object.bucket() + " does not exist", null);
        }
        if (status == 412 || status == 409) {
            return new StoreException(object, StoreException.Reason.CONFLICT, "changed meanwhile (HTTP " + status + ")", null);
        }
        if (status >= 500 || status == 429 || status == 503) {
            return new StoreException(object, StoreException.Reason.SERVER_ERROR, "server error (HTTP " + status + ")", null);
        }
        return new StoreException(object, StoreException.Reason.OTHER, "HTTP " + status + " to " + action
                + (status >= 300 && status < 400 ? " (wrong region? set --remote-region)" : ""), null);
    }

    /** The first throwable in the cause chain of one of these types. */
    @SafeVarargs
    static Optional<Throwable> cause(Throwable e, Class<? extends Throwable>... types) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(t)) {
                    return Optional.of(t);
                }
            }
        }
        return Optional.empty();
    }

    private static String describeNetworkFailure(Throwable e) {
        Throwable deepest = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof ApiCallTimeoutException) {
                deepest = t;
            }
        }
        if (deepest instanceof SocketTimeoutException && deepest.getMessage() == null) {
            return "timed out";
        }
        String what = deepest.getMessage() == null || deepest.getMessage().isBlank()
                ? deepest.getClass().getSimpleName()
                : deepest.getClass().getSimpleName() + ": " + deepest.getMessage();
        return Redact.message(what);
    }
}
