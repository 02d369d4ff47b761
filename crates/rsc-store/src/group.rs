//! Group commit: document writes that arrive while another is being committed wait for it,
//! and are then committed together, in one transaction and one durable flush, by whichever of
//! them gets there first. Fifty phones pushing at once cost a handful of flushes, not fifty.
//!
//! Each caller still learns about its own documents only: a document that loses a race in the
//! combined transaction (it was written meanwhile) is reported lost to the caller that gave it,
//! and the others' documents are written all the same, so one device's conflict never becomes
//! another's. If the combined transaction fails, each waiting write is committed again on its
//! own. A write that finds nothing in flight commits at once, with nothing copied.

use tokio::sync::{Mutex, oneshot};

use crate::{DocCommit, StoreError};

/// What a commit of documents wrote: every document but those that lost a race.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Committed {
    /// The positions, in the commits given, of the documents that lost: another write got to
    /// them first, and nothing of them was written. In order.
    pub lost: Vec<usize>,
}

impl Committed {
    /// Whether every document was written.
    pub fn all_written(&self) -> bool {
        self.lost.is_empty()
    }
}

/// Commits document writes for real: one transaction.
pub(crate) trait CommitNow {
    /// Writes every document that has not lost a race; the positions of those that have.
    fn commit_now(&self, commits: &[DocCommit]) -> impl Future<Output = Result<Vec<usize>, StoreError>> + Send;
}

/// A write waiting for the commit in flight.
struct Waiting {
    commits: Vec<DocCommit>,
    done: oneshot::Sender<Result<Committed, StoreError>>,
}

/// The writes waiting, and the turn to commit (held while a transaction is in flight).
#[derive(Default)]
pub(crate) struct Group {
    turn: Mutex<()>,
    waiting: std::sync::Mutex<Vec<Waiting>>,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group").finish_non_exhaustive()
    }
}

impl Group {
    /// Commits `commits` through `store`, together with whatever else waits meanwhile.
    pub(crate) async fn commit<S: CommitNow + Sync>(
        &self,
        store: &S,
        commits: &[DocCommit],
    ) -> Result<Committed, StoreError> {
        let alone = |commits| async move { store.commit_now(commits).await.map(|lost| Committed { lost }) };
        if let Ok(_turn) = self.turn.try_lock()
            && self.queue().is_empty()
        {
            return alone(commits).await;
        }
        let (done, mut answer) = oneshot::channel();
        self.queue().push(Waiting { commits: commits.to_vec(), done });
        let _turn = self.turn.lock().await;
        match answer.try_recv() {
            // Committed by the one that had the turn before.
            Ok(result) => return result,
            // Taken by one that was cancelled before answering: whether or not it committed,
            // committing again is safe (a write already made loses on its version, and the
            // caller then finds its changes stored).
            Err(oneshot::error::TryRecvError::Closed) => return alone(commits).await,
            Err(oneshot::error::TryRecvError::Empty) => {}
        }
        let batch = std::mem::take(&mut *self.queue());
        let mut all = Vec::new();
        let mut answers = Vec::new();
        for waiting in batch {
            answers.push((waiting.commits.len(), waiting.done));
            all.extend(waiting.commits);
        }
        let together = if answers.len() > 1 { store.commit_now(&all).await.ok() } else { None };
        let mut at = 0;
        for (len, done) in answers {
            let result = match &together {
                // Each caller hears of its own documents that lost, at their positions in its write.
                Some(lost) => {
                    Ok(Committed { lost: lost.iter().filter(|&&i| i >= at && i < at + len).map(|i| i - at).collect() })
                }
                None => alone(&all[at..at + len]).await,
            };
            at += len;
            // This caller's own answer comes back through its channel too.
            let _ = done.send(result);
        }
        match answer.try_recv() {
            Ok(result) => result,
            Err(_) => alone(commits).await,
        }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::conformance::commit;

    /// Commits in 20 ms; the document `stale` always loses.
    #[derive(Default)]
    struct Slow {
        transactions: AtomicUsize,
        largest: AtomicUsize,
    }

    impl CommitNow for Slow {
        async fn commit_now(&self, commits: &[DocCommit]) -> Result<Vec<usize>, StoreError> {
            self.transactions.fetch_add(1, Ordering::SeqCst);
            self.largest.fetch_max(commits.len(), Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            Ok(commits.iter().enumerate().filter(|(_, c)| c.doc_id == "stale").map(|(i, _)| i).collect())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_arriving_together_share_transactions_and_each_hears_its_own_answer() {
        let (group, store) = (Arc::new(Group::default()), Arc::new(Slow::default()));
        let mut writers = Vec::new();
        for i in 0..20 {
            let (group, store) = (group.clone(), store.clone());
            writers.push(tokio::spawn(async move {
                let doc = if i == 7 { "stale".to_string() } else { format!("s{i}") };
                (i, group.commit(&*store, &[commit(&doc, None, &["c"], &[], &["ana"])]).await.expect("commit"))
            }));
        }
        for writer in writers {
            let (i, written) = writer.await.expect("writer");
            let lost: &[usize] = if i == 7 { &[0] } else { &[] };
            assert_eq!(written.lost, lost, "writer {i}: only the stale write loses");
        }
        let transactions = store.transactions.load(Ordering::SeqCst);
        assert!(store.largest.load(Ordering::SeqCst) > 1, "some writes were committed together");
        // The stale write lost alone: nobody else's write was committed a second time.
        assert!(transactions < 20, "{transactions} transactions for 20 writes");
    }

    #[tokio::test]
    async fn a_write_alone_commits_once() {
        let (group, store) = (Group::default(), Slow::default());
        assert!(
            group.commit(&store, &[commit("s1", None, &["c"], &[], &["ana"])]).await.expect("commit").all_written()
        );
        assert_eq!(store.transactions.load(Ordering::SeqCst), 1);
    }
}
