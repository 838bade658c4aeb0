package dev.npcnix.testing.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import org.junit.jupiter.api.Test;

/**
 * The fixture's {@link FaultyHttpProxy.Fault#REFUSE}: connections are refused as by a closed port, yet
 * the port is never free for another socket to take, so {@link FaultyHttpProxy#heal()} always gets it
 * back (StoreFaultTest's REFUSE case failed once under load when the port was released for the fault).
 */
class FaultyHttpProxyTest {

    @Test
    void refusingKeepsThePortAndHealingGetsItBack() throws IOException {
        try (FaultyHttpProxy proxy = FaultyHttpProxy.start(URI.create("http://127.0.0.1:9"))) {
            int port = proxy.uri().getPort();
            for (int round = 0; round < 50; round++) {
                proxy.inject(FaultyHttpProxy.Fault.REFUSE);
                assertThatThrownBy(() -> connect(port)).as("round %d", round).isInstanceOf(ConnectException.class);
                for (boolean reuseAddress : new boolean[] {false, true}) {
                    try (ServerSocket stranger = new ServerSocket()) {
                        stranger.setReuseAddress(reuseAddress);
                        assertThatThrownBy(() -> stranger.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)))
                                .as("another socket binding the refusing port (SO_REUSEADDR %s)", reuseAddress)
                                .isInstanceOf(BindException.class);
                    }
                }
                proxy.heal();
                try (Socket s = connect(port)) {
                    assertThat(s.isConnected()).isTrue();
                }
            }
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }
}
