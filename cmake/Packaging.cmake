# The Debian package. In a configured and built build folder:
#
#   cpack -G DEB        ->  feedd_<version>-1_<arch>.deb
#
# It holds what `cmake --install --prefix /usr` lays down (the binary, the
# systemd unit, man pages, bash completion, the example config in
# /usr/share/doc/feedd) plus, from the `deb` component below, what only a
# package has: /etc/feedd/feedd.toml as a conffile, the copyright file,
# changelog.Debian.gz and a lintian override.
#
# No sysusers.d or tmpfiles.d file: the unit runs with DynamicUser=yes, so
# systemd allocates the user when the service starts and nothing has to exist
# beforehand, and StateDirectory=feedd makes /var/lib/feedd (owned by that
# user) on every start. The package ships no files under /var at all.
#
# Depends: dpkg-shlibdeps (Debian package dpkg-dev) reads the binary's shared
# libraries (libcurl, pugixml, libxml2, SQLite, fmt, spdlog, libsystemd, ...);
# tzdata is added by hand because date-tz reads /usr/share/zoneinfo at run
# time rather than linking anything.

set(FEEDD_PACKAGE_MAINTAINER "feedd developers <feedd@users.noreply.github.com>" CACHE STRING
  "Maintainer: field of the Debian package and its changelog")
set(FEEDD_PACKAGE_RELEASE 1 CACHE STRING "Debian revision: the package is <project version>-<this>")

find_program(FEEDD_GZIP gzip REQUIRED)
set(feedd_debian_dir ${PROJECT_SOURCE_DIR}/cmake/debian)
set(feedd_debian_out ${PROJECT_BINARY_DIR}/debian)

# --- what only the package installs: component `deb`, EXCLUDE_FROM_ALL -----
# `cmake --install` never installs these; cpack installs the default set and
# then this component (CPACK_INSTALL_CMAKE_PROJECTS below).

# The conffile, unconditionally: systemd/CMakeLists.txt installs it only when
# the target has none, which is right for `cmake --install` on a live system
# and wrong for a package, which must always carry it (dpkg then keeps the
# administrator's edits on upgrade).
install(FILES ${PROJECT_SOURCE_DIR}/config/feedd.example.toml
  DESTINATION /etc/feedd RENAME feedd.toml
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
  COMPONENT deb EXCLUDE_FROM_ALL)

set(FEEDD_DEB_VERSION ${PROJECT_VERSION}-${FEEDD_PACKAGE_RELEASE})
# RFC 2822, in UTC; string(TIMESTAMP) honours SOURCE_DATE_EPOCH.
string(TIMESTAMP FEEDD_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${feedd_debian_dir}/copyright.in ${feedd_debian_out}/copyright @ONLY)
configure_file(${feedd_debian_dir}/changelog.in ${feedd_debian_out}/changelog @ONLY)
add_custom_command(OUTPUT ${feedd_debian_out}/changelog.Debian.gz
  COMMAND ${FEEDD_GZIP} -9 -n -f -k ${feedd_debian_out}/changelog
  COMMAND ${CMAKE_COMMAND} -E rename ${feedd_debian_out}/changelog.gz ${feedd_debian_out}/changelog.Debian.gz
  DEPENDS ${feedd_debian_out}/changelog
  VERBATIM)
add_custom_target(feedd_debian_changelog ALL DEPENDS ${feedd_debian_out}/changelog.Debian.gz)
install(FILES ${feedd_debian_out}/copyright ${feedd_debian_out}/changelog.Debian.gz
  DESTINATION ${CMAKE_INSTALL_DOCDIR}
  COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES ${feedd_debian_dir}/lintian-overrides
  DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME feedd
  COMPONENT deb EXCLUDE_FROM_ALL)

# Maintainer scripts get the permissions dpkg wants (0755 scripts, 0644 data).
foreach(script postinst prerm postrm)
  file(COPY ${feedd_debian_dir}/${script} DESTINATION ${feedd_debian_out}
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()
file(COPY ${feedd_debian_dir}/conffiles DESTINATION ${feedd_debian_out}
  FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# --- CPack ------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME feedd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${FEEDD_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "feed aggregation daemon writing Jekyll posts")
set(CPACK_PACKAGE_DESCRIPTION
  "feedd polls RSS, Atom and JSON feeds listed in its config file and turns
every new or updated entry into a Jekyll post with a fixed front matter,
never writing the same article twice. Every entry and fetch is also kept in
a SQLite database.
.
It runs as a sandboxed systemd service with conditional requests, per-host
limits, backoff and Retry-After, and reloads its config on SIGHUP.")
# The package's prefix, whatever CMAKE_INSTALL_PREFIX the build folder has:
# the unit's ExecStart= becomes /usr/bin/feedd.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# The default files, then the package-only component.
set(CPACK_INSTALL_CMAKE_PROJECTS
  "${PROJECT_BINARY_DIR};${PROJECT_NAME};ALL;/"
  "${PROJECT_BINARY_DIR};${PROJECT_NAME};deb;/")

set(CPACK_DEBIAN_PACKAGE_NAME feedd)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${FEEDD_PACKAGE_RELEASE})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${FEEDD_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${FEEDD_PROJECT_URL}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "tzdata")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${feedd_debian_out}/conffiles ${feedd_debian_out}/postinst ${feedd_debian_out}/prerm ${feedd_debian_out}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
