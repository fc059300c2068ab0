package dev.kow.worker.ollama;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLException;

import dev.kow.worker.config.HostProperties;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslManagerBundle;

/** Builds each host's {@link HostAccess} from its configuration. */
public final class HostAccesses {

	private HostAccesses() {
	}

	/**
	 * Each host's {@code Authorization} header and, for a host with an
	 * {@code ssl-bundle}, a TLS context built from that Spring Boot SSL bundle.
	 * @param hosts {@code worker.ollama.hosts}
	 * @param bundles the configured SSL bundles
	 * @return by host id
	 * @throws org.springframework.boot.ssl.NoSuchSslBundleException when a host names a
	 * bundle that is not configured
	 * @throws IllegalStateException naming the property when a bundle gives no usable TLS
	 * context
	 */
	public static Map<String, HostAccess> of(List<HostProperties> hosts, SslBundles bundles) {
		Map<String, HostAccess> access = new HashMap<>();
		for (HostProperties host : hosts) {
			SslContext tls = null;
			String bundle = host.sslBundle();
			if (bundle != null && !bundle.isBlank()) {
				SslManagerBundle managers = bundles.getBundle(bundle).getManagers();
				try {
					tls = SslContextBuilder.forClient()
						.keyManager(managers.getKeyManagerFactory())
						.trustManager(managers.getTrustManagerFactory())
						.build();
				}
				catch (SSLException ex) {
					throw new IllegalStateException("worker.ollama.hosts[].ssl-bundle '" + bundle + "' of host "
							+ host.id() + " gives no usable TLS context: " + ex.getMessage(), ex);
				}
			}
			access.put(host.id(), new HostAccess(host.authorization(), tls));
		}
		return access;
	}

}
