package dev.kow.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;

/**
 * Throw-away TLS material for tests, in PKCS12 stores: a self-signed EC key pair per
 * party, made by the JDK's {@code keytool} (the JDK has no public API for issuing
 * certificates), and trust stores holding the certificates a party accepts. Every
 * certificate names {@code 127.0.0.1} and {@code localhost} as subject alternative names,
 * so hostname verification stays on. All stores share one password, {@link #PASSWORD}.
 */
public final class Certificates {

	/** The password of every store made here. */
	public static final String PASSWORD = "test-only-secret";

	private final Path dir;

	/**
	 * @param dir where the stores are written
	 */
	public Certificates(Path dir) {
		this.dir = dir;
	}

	/**
	 * Makes a key store with a fresh self-signed key pair, valid for 2 days.
	 * @param name the party; the alias and {@code CN}, and the file {@code <name>.p12}
	 * @return the key store's path
	 * @throws IllegalStateException when keytool fails
	 */
	public Path keyStore(String name) {
		Path store = this.dir.resolve(name + ".p12");
		String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
		try {
			Files.createDirectories(this.dir);
			Process process = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", name, "-keyalg", "EC",
					"-groupname", "secp256r1", "-dname", "CN=" + name, "-ext", "SAN=ip:127.0.0.1,dns:localhost",
					"-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", PASSWORD,
					"-keypass", PASSWORD))
				.redirectErrorStream(true)
				.start();
			String output = new String(process.getInputStream().readAllBytes());
			if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
				throw new IllegalStateException("keytool -genkeypair failed for " + name + ": " + output);
			}
			return store;
		}
		catch (IOException ex) {
			throw new IllegalStateException("could not run keytool", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Makes a trust store holding the certificates of the given key stores.
	 * @param name the file {@code <name>.p12}
	 * @param trusted key stores made by {@link #keyStore(String)}
	 * @return the trust store's path
	 */
	public Path trustStore(String name, Path... trusted) {
		try {
			KeyStore trust = KeyStore.getInstance("PKCS12");
			trust.load(null, null);
			for (Path keyStore : trusted) {
				KeyStore keys = load(keyStore);
				String alias = keys.aliases().nextElement();
				trust.setCertificateEntry(alias, keys.getCertificate(alias));
			}
			Path store = this.dir.resolve(name + ".p12");
			try (OutputStream out = Files.newOutputStream(store)) {
				trust.store(out, PASSWORD.toCharArray());
			}
			return store;
		}
		catch (IOException | GeneralSecurityException ex) {
			throw new IllegalStateException("could not write trust store " + name, ex);
		}
	}

	/**
	 * @param keyStore a key store made by {@link #keyStore(String)}
	 * @return key managers over it, for a TLS server
	 */
	public static KeyManagerFactory keyManagers(Path keyStore) {
		try {
			KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
			factory.init(load(keyStore), PASSWORD.toCharArray());
			return factory;
		}
		catch (IOException | GeneralSecurityException ex) {
			throw new IllegalStateException("could not read key store " + keyStore, ex);
		}
	}

	private static KeyStore load(Path path) throws IOException, GeneralSecurityException {
		KeyStore store = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(path)) {
			store.load(in, PASSWORD.toCharArray());
		}
		return store;
	}

}
