package dev.npcnix.daemon;

import sun.misc.Signal;

/** Routes SIGTERM and SIGINT to a {@link Shutdown}. The JDK has no supported API for this; sun.misc.Signal is the de facto one. */
public final class Signals {
    private Signals() {
    }

    public static void install(Shutdown shutdown) {
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), s -> shutdown.signal(s.getName()));
        }
    }
}
