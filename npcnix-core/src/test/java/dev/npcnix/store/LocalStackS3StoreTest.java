package dev.npcnix.store;

import dev.npcnix.testing.http.CountingHttpProxy;
import dev.npcnix.testing.http.Traffic;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * The contract against LocalStack's S3, a second independent S3 implementation, behind the same
 * counting proxy as S3Proxy. Skipped where no Docker engine is available.
 */
@Testcontainers(disabledWithoutDocker = true)
class LocalStackS3StoreTest extends RemoteStoreContract {
    @Container
    static final LocalStackContainer LOCALSTACK = new LocalStackContainer(DockerImageName.parse("localstack/localstack:3"))
            .withServices(LocalStackContainer.Service.S3);
    private static final String BUCKET = "npcnix-localstack";

    private static CountingHttpProxy proxy;
    private RemoteStores stores;

    @BeforeAll
    static void startProxyAndCreateBucket() throws IOException {
        URI endpoint = LOCALSTACK.getEndpoint();
        proxy = CountingHttpProxy.start(endpoint.getHost(), endpoint.getPort());
        try (S3Store admin = S3Store.open(settings())) {
            admin.client().createBucket(b -> b.bucket(BUCKET));
        }
    }

    @AfterAll
    static void stopProxy() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static StoreSettings settings() {
        return StoreSettings.of(
                        Map.of("AWS_ACCESS_KEY_ID", LOCALSTACK.getAccessKey(),
                                "AWS_SECRET_ACCESS_KEY", LOCALSTACK.getSecretKey()),
                        Optional.of(LOCALSTACK.getRegion()),
                        Optional.of(proxy.uri().toString()))
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    @BeforeEach
    void openStores() {
        stores = new RemoteStores(settings());
    }

    @AfterEach
    void closeStores() {
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

    @Override
    protected Optional<TrafficMeter> meter() {
        return Optional.of(new TrafficMeter() {
            @Override
            public Traffic traffic() {
                return proxy.traffic();
            }

            @Override
            public void reset() {
                proxy.resetTraffic();
            }
        });
    }
}
