package dev.kow.worker.hosts;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A slot on a host, held for one attempt. Give it back exactly once through
 * {@link HostPool#release}; later releases are ignored.
 *
 * @param host the host
 * @param acquiredNanos nano-clock time of acquisition
 * @param released guard against double release
 */
public record SlotLease(OllamaHost host, long acquiredNanos, AtomicBoolean released) {
}
