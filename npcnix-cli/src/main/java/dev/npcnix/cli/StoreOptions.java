package dev.npcnix.cli;

import dev.npcnix.InvalidInputException;
import dev.npcnix.state.Settings;
import dev.npcnix.store.StoreSettings;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** How to reach S3: region and endpoint override. Mixed into every command that talks to a store. */
final class StoreOptions {
    /** How long one read from a store may stall (e.g. {@code 20s}); the default is StoreSettings'. */
    static final String READ_TIMEOUT_ENV = "NPCNIX_STORE_READ_TIMEOUT";

    @Option(names = "--remote-region", paramLabel = "REGION",
            description = "S3 region of the remote's bucket (default: the host config, then the AWS default chain).")
    String remoteRegion;

    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "Endpoint of an S3-compatible server, e.g. http://127.0.0.1:9000 (also AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL). Implies path-style access.")
    String s3Endpoint;

    /** Flags first, then what the host settings say. */
    StoreSettings settings(Map<String, String> env, Settings host) {
        StoreSettings settings = StoreSettings.of(env,
                Optional.ofNullable(remoteRegion).or(host::remoteRegion),
                Optional.ofNullable(s3Endpoint).or(host::s3Endpoint));
        String readTimeout = env.get(READ_TIMEOUT_ENV);
        if (readTimeout == null || readTimeout.isBlank()) {
            return settings;
        }
        Duration timeout;
        try {
            timeout = Durations.parse(readTimeout);
        } catch (picocli.CommandLine.TypeConversionException e) {
            throw new InvalidInputException(READ_TIMEOUT_ENV + "=" + readTimeout + ": " + e.getMessage());
        }
        if (timeout.isZero() || timeout.isNegative()) {
            throw new InvalidInputException(READ_TIMEOUT_ENV + "=" + readTimeout + ": must be positive");
        }
        return settings.withTimeouts(settings.connectTimeout(), timeout);
    }
}
