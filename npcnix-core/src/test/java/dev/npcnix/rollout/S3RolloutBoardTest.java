package dev.npcnix.rollout;

import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreSettings;
import dev.npcnix.testing.s3.S3Server;
import dev.npcnix.testing.s3.S3ServerExtension;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The rollout's objects on the in-JVM S3 server (S3Proxy 4.1.0 honours If-None-Match: * and If-Match on PUT). */
class S3RolloutBoardTest extends RolloutBoardContract {
    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension();
    private static final String BUCKET = "npcnix-rollout";

    private RemoteStores stores;

    @BeforeAll
    static void bucket() {
        S3.server().createBucket(BUCKET);
    }

    @BeforeEach
    void open() {
        stores = new RemoteStores(StoreSettings.of(Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY",
                S3Server.SECRET_KEY), Optional.of(S3Server.REGION), Optional.of(S3.server().endpoint().toString())));
    }

    @AfterEach
    void close() {
        stores.close();
    }

    @Override
    protected RemoteStore store() {
        return stores.forRemote(newRemote());
    }

    @Override
    protected RemoteUri newRemote() {
        return RemoteUri.parse("s3://" + BUCKET + "/remotes/" + UUID.randomUUID() + ".npcnix");
    }
}
