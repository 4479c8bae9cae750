//! What the native classes share: the application and the tokio runtime it
//! runs on, and who a call acts as.

use std::sync::Arc;

use afterresume_backends::system::System;
use afterresume_core::EngineConfig;
use afterresume_core::service::{Actor, App};
use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::errors::to_py;

/// The application and its runtime.
pub(crate) struct Core {
    runtime: Option<Runtime>,
    pub(crate) app: App,
}

impl Drop for Core {
    fn drop(&mut self) {
        // Workers still running hold the runtime; do not wait for them (a Python
        // workflow may need the GIL the dropping thread holds).
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Core {
    /// The engine over opened backends, built inside the runtime.
    pub(crate) fn new(runtime: Runtime, system: &System) -> PyResult<Self> {
        let engine = {
            let _guard = runtime.enter();
            system
                .engine_builder(EngineConfig::default())
                .build()
                .map_err(to_py)?
        };
        Ok(Core {
            app: App::new(engine, Arc::clone(&system.domain)),
            runtime: Some(runtime),
        })
    }

    pub(crate) fn rt(&self) -> &Runtime {
        self.runtime
            .as_ref()
            .expect("the runtime lives as long as the engine")
    }

    /// Runs a future to completion with the GIL released.
    pub(crate) fn block<T, F>(&self, py: Python<'_>, fut: F) -> PyResult<T>
    where
        F: std::future::Future<Output = afterresume_core::Result<T>> + Send,
        T: Send,
    {
        py.detach(|| self.rt().block_on(fut)).map_err(to_py)
    }

    /// Who a call acts as: the user named by `as_user` (an `Engine.as_user`
    /// session, held to the rules of a signed-in person), else the embedding
    /// program itself, trusted like staff.
    pub(crate) fn actor(&self, py: Python<'_>, as_user: Option<i64>) -> PyResult<Actor> {
        match as_user {
            None => Ok(Actor::system()),
            Some(id) => {
                let user = self.block(py, self.app.domain().get_user(id))?;
                Ok(Actor::user(&user))
            }
        }
    }
}
