package dev.pulsehub.probe;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/**
 * A stock Spring Boot application whose configuration comes from PulseHub's Config service
 * through Spring Cloud Config's own client (spring.config.import=configserver:…, credentials in
 * spring.cloud.config.username/password, all given on the command line). It prints the
 * properties named by --probe.keys as "PROBE key=value" lines and exits; a refused configuration
 * fails its start, as it would fail a real application's.
 */
@SpringBootApplication
public class ConfigProbe {
  public static void main(String[] args) {
    try (ConfigurableApplicationContext context =
        new SpringApplicationBuilder(ConfigProbe.class).web(WebApplicationType.NONE).run(args)) {
      Environment environment = context.getEnvironment();
      for (String key : environment.getProperty("probe.keys", "").split(",")) {
        if (!key.isEmpty()) System.out.println("PROBE " + key + "=" + environment.getProperty(key));
      }
    }
  }
}
