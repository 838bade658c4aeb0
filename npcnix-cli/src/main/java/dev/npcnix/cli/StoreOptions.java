package dev.npcnix.cli;

import dev.npcnix.state.Settings;
import dev.npcnix.store.StoreSettings;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** How to reach S3: region and endpoint override. Mixed into every command that talks to a store. */
final class StoreOptions {
    @Option(names = "--remote-region", paramLabel = "REGION",
            description = "S3 region of the remote's bucket (default: the host config, then the AWS default chain).")
    String remoteRegion;

    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "Endpoint of an S3-compatible server, e.g. http://127.0.0.1:9000 (also AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL). Implies path-style access.")
    String s3Endpoint;

    /** Flags first, then what the host settings say. */
    StoreSettings settings(Map<String, String> env, Settings host) {
        return StoreSettings.of(env,
                Optional.ofNullable(remoteRegion).or(host::remoteRegion),
                Optional.ofNullable(s3Endpoint).or(host::s3Endpoint));
    }
}
