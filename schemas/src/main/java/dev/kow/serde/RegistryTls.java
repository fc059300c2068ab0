package dev.kow.serde;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Map;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.apache.kafka.common.config.ConfigException;

/**
 * TLS to the registry with Confluent's keys:
 * {@code schema.registry.ssl.truststore.location}, {@code .password}, {@code .type} (a
 * private CA) and, for mutual TLS, {@code schema.registry.ssl.keystore.location},
 * {@code .password}, {@code .type} and {@code schema.registry.ssl.key.password}. Store
 * types are those of {@link KeyStore#getInstance(String)} ({@code JKS}, the default, also
 * reads PKCS12).
 */
final class RegistryTls {

	static final String PREFIX = "schema.registry.ssl.";

	private RegistryTls() {
	}

	/**
	 * @param configs the serde configuration
	 * @return an SSL context from the stores, or null when neither is configured (the
	 * JVM's default trust store)
	 * @throws ConfigException naming the key of a store that cannot be read
	 */
	static SSLContext from(Map<String, ?> configs) {
		String trustStore = text(configs, PREFIX + "truststore.location");
		String keyStore = text(configs, PREFIX + "keystore.location");
		if (trustStore == null && keyStore == null) {
			return null;
		}
		try {
			TrustManagerFactory trust = null;
			if (trustStore != null) {
				trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
				trust.init(load(configs, "truststore", trustStore));
			}
			KeyManagerFactory keys = null;
			if (keyStore != null) {
				keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
				String keyPassword = text(configs, PREFIX + "key.password");
				String storePassword = text(configs, PREFIX + "keystore.password");
				String password = (keyPassword != null) ? keyPassword : storePassword;
				keys.init(load(configs, "keystore", keyStore), (password == null) ? null : password.toCharArray());
			}
			SSLContext context = SSLContext.getInstance("TLS");
			context.init((keys == null) ? null : keys.getKeyManagers(),
					(trust == null) ? null : trust.getTrustManagers(), null);
			return context;
		}
		catch (GeneralSecurityException ex) {
			throw new ConfigException(PREFIX + "*", "[hidden]", "cannot build the registry's TLS context: " + ex);
		}
	}

	private static KeyStore load(Map<String, ?> configs, String store, String location) {
		String type = text(configs, PREFIX + store + ".type");
		String password = text(configs, PREFIX + store + ".password");
		try (InputStream in = Files.newInputStream(Path.of(location))) {
			KeyStore keyStore = KeyStore.getInstance((type == null) ? "JKS" : type);
			keyStore.load(in, (password == null) ? null : password.toCharArray());
			return keyStore;
		}
		catch (IOException | GeneralSecurityException ex) {
			throw new ConfigException(PREFIX + store + ".location", location, "cannot be read: " + ex.getMessage());
		}
	}

	private static String text(Map<String, ?> configs, String key) {
		Object value = configs.get(key);
		return (value == null || value.toString().isBlank()) ? null : value.toString();
	}

}
