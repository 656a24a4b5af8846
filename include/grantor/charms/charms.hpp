#pragma once
// The three charms grantor builds, each as a Router of handlers. The composition roots in
// src/app/ inject the I/O adapters; everything here runs against the JujuBackend port only.

#include "grantor/charm/router.hpp"

namespace grantor::charms {

/// The root charm: PostgreSQL access for integrated applications.
charm::Router MakePostgresqlCharm();
/// charms/mysql: MySQL / MariaDB access for integrated applications.
charm::Router MakeMysqlCharm();
/// charms/data-integrator: credentials for applications outside Juju.
charm::Router MakeDataIntegratorCharm();

}  // namespace grantor::charms
