package dev.npcnix.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.InvalidInputException;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StoreSettingsTest {
    private static final Map<String, String> BOTH = Map.of(
            "AWS_ENDPOINT_URL_S3", "http://s3-only:9000",
            "AWS_ENDPOINT_URL", "http://all-services:4566");

    @Test
    void theEndpointFlagWinsOverTheEnvironment() {
        assertThat(StoreSettings.of(BOTH, Optional.empty(), Optional.of("http://flag:9000")).s3Endpoint())
                .contains(URI.create("http://flag:9000"));
    }

    @Test
    void theS3SpecificVariableWinsOverTheGeneralOne() {
        assertThat(StoreSettings.of(BOTH, Optional.empty(), Optional.empty()).s3Endpoint())
                .contains(URI.create("http://s3-only:9000"));
        assertThat(StoreSettings.of(Map.of("AWS_ENDPOINT_URL", "http://all-services:4566"), Optional.empty(), Optional.empty())
                .s3Endpoint()).contains(URI.create("http://all-services:4566"));
    }

    @Test
    void blankValuesCountAsAbsent() {
        Map<String, String> env = new HashMap<>(BOTH);
        env.put("AWS_ENDPOINT_URL_S3", " ");

        assertThat(StoreSettings.of(env, Optional.of(""), Optional.of("  ")).s3Endpoint())
                .contains(URI.create("http://all-services:4566"));
        assertThat(StoreSettings.of(env, Optional.of(" "), Optional.empty()).region()).isEmpty();
        assertThat(StoreSettings.of(Map.of(), Optional.empty(), Optional.empty()).s3Endpoint()).isEmpty();
    }

    @Test
    void aMalformedEndpointIsInvalidInput() {
        assertThatThrownBy(() -> StoreSettings.of(Map.of(), Optional.empty(), Optional.of("localhost:9000")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("S3 endpoint localhost:9000: malformed URL");
    }

    @Test
    void theEnvironmentIsCopied() {
        Map<String, String> env = new HashMap<>(Map.of("AWS_REGION", "eu-west-1"));
        StoreSettings settings = StoreSettings.of(env, Optional.empty(), Optional.empty());
        env.put("AWS_REGION", "us-west-2");

        assertThat(settings.environment()).containsEntry("AWS_REGION", "eu-west-1");
    }
}
