package dev.kow.worker.ollama;

import io.netty.handler.ssl.SslContext;
import org.jspecify.annotations.Nullable;

/**
 * How the client reaches one host beyond its URL: what a reverse proxy in front of Ollama
 * may ask for (Ollama itself has neither authentication nor TLS).
 *
 * @param authorization the {@code Authorization} header value (bearer or basic), or null
 * for none; never logged
 * @param tls the client TLS context for an {@code https} host (trust for a private CA,
 * and the worker's certificate for mutual TLS), or null for the JVM's default trust
 */
public record HostAccess(@Nullable String authorization, @Nullable SslContext tls) {

	/** A host reached with its URL alone. */
	public static final HostAccess NONE = new HostAccess(null, null);

	/** Keeps the credentials out of logs. */
	@Override
	public String toString() {
		return "HostAccess[authorization=" + (this.authorization == null ? "none" : "***") + ", tls="
				+ (this.tls == null ? "default" : "custom") + "]";
	}
}
