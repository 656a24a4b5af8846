#pragma once
// The three charms grantor builds, each as a Router of handlers. The composition roots in
// src/app/ inject the I/O adapters; everything here runs against ports only.

#include "grantor/charm/router.hpp"
#include "grantor/charms/provider.hpp"

namespace grantor::charms {

/// The root charm: PostgreSQL access for integrated applications.
charm::Router MakePostgresqlCharm(EngineFactory engines, PasswordSource passwords,
                                  std::shared_ptr<core::AuditSink> audit = nullptr);
/// charms/mysql: MySQL / MariaDB access for integrated applications.
charm::Router MakeMysqlCharm(EngineFactory engines, PasswordSource passwords,
                              std::shared_ptr<core::AuditSink> audit = nullptr);
/// charms/data-integrator: credentials for applications outside Juju.
charm::Router MakeDataIntegratorCharm();

}  // namespace grantor::charms
