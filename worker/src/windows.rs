//! The Win32 calls the worker needs on Windows, each behind a safe function: a Job Object
//! that holds a task's whole process tree (so stopping a task ends every process it
//! started, as a process group does on Unix), `CTRL_BREAK` to a task's process group (the
//! graceful stop before the job is terminated), and a file DACL that lets only the current
//! user in (what mode 0600 is on Unix). The only `unsafe` code of the crate lives here.

use std::ffi::c_void;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::path::Path;
use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::Security::Authorization::{SE_FILE_OBJECT, SetNamedSecurityInfoW};
use windows_sys::Win32::Security::{
    ACCESS_ALLOWED_ACE, ACL, ACL_REVISION, AddAccessAllowedAce, DACL_SECURITY_INFORMATION,
    GetLengthSid, GetTokenInformation, InitializeAcl, PROTECTED_DACL_SECURITY_INFORMATION, PSID,
    TOKEN_QUERY, TOKEN_USER, TokenUser,
};
use windows_sys::Win32::Storage::FileSystem::FILE_ALL_ACCESS;
use windows_sys::Win32::System::Console::{CTRL_BREAK_EVENT, GenerateConsoleCtrlEvent};
use windows_sys::Win32::System::Diagnostics::ToolHelp::{
    CreateToolhelp32Snapshot, TH32CS_SNAPTHREAD, THREADENTRY32, Thread32First, Thread32Next,
};
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JobObjectExtendedLimitInformation,
    SetInformationJobObject, TerminateJobObject,
};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, OpenProcessToken, OpenThread, ResumeThread, THREAD_SUSPEND_RESUME,
};

/// Creation flags for a task's program: its own process group (so `CTRL_BREAK` reaches it
/// and the worker's own Ctrl-C does not), started suspended so that it is inside its Job
/// Object before it can start a child of its own. A worker without a console (the desktop
/// app's, or one run as a service) starts its tasks without one too, instead of a console
/// window popping up for each; such a task is not sent `CTRL_BREAK` (it shares no console
/// with the worker) and its job is terminated at once.
pub fn task_creation_flags() -> u32 {
    use windows_sys::Win32::System::Threading::{
        CREATE_NEW_PROCESS_GROUP, CREATE_NO_WINDOW, CREATE_SUSPENDED,
    };
    let flags = CREATE_NEW_PROCESS_GROUP | CREATE_SUSPENDED;
    if has_console() {
        flags
    } else {
        flags | CREATE_NO_WINDOW
    }
}

/// Whether this process has a console.
fn has_console() -> bool {
    // SAFETY: a plain query without arguments.
    !unsafe { windows_sys::Win32::System::Console::GetConsoleWindow() }.is_null()
}

/// A handle this module owns, closed when dropped.
struct OwnedHandle(HANDLE);

// SAFETY: a kernel handle is a process-wide value; the calls made with it here are
// thread-safe, and only its owner closes it (once, on drop).
unsafe impl Send for OwnedHandle {}
// SAFETY: as above; the calls through `&self` (terminate) are safe from any thread.
unsafe impl Sync for OwnedHandle {}

impl OwnedHandle {
    /// `handle` if it is a real one, else the last OS error.
    fn new(handle: HANDLE) -> io::Result<Self> {
        if handle.is_null() || handle == INVALID_HANDLE_VALUE {
            Err(io::Error::last_os_error())
        } else {
            Ok(Self(handle))
        }
    }
}

impl Drop for OwnedHandle {
    fn drop(&mut self) {
        // SAFETY: the handle is open and owned by this value alone.
        unsafe { CloseHandle(self.0) };
    }
}

/// A BOOL result as an `io::Result`.
fn check(ok: windows_sys::core::BOOL) -> io::Result<()> {
    if ok == 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// A Job Object holding one task's processes. Every process the task's program starts
/// joins it too, so terminating it ends the whole tree; closing it (the worker dying)
/// does the same, through `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`.
pub struct TaskJob {
    job: OwnedHandle,
}

impl TaskJob {
    /// Puts the process `process` (started with [`task_creation_flags`], so still
    /// suspended; its id is `pid`) in a new Job Object and lets it run. On an error the
    /// process is left suspended: the caller kills it.
    pub fn contain(process: HANDLE, pid: u32) -> io::Result<Self> {
        // SAFETY: no security attributes and no name: an anonymous job with default rights.
        let job =
            OwnedHandle::new(unsafe { CreateJobObjectW(std::ptr::null(), std::ptr::null()) })?;
        // SAFETY: an all-zero JOBOBJECT_EXTENDED_LIMIT_INFORMATION is valid (no limits).
        let mut limits: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = unsafe { std::mem::zeroed() };
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        // SAFETY: the pointer and size describe `limits`, which outlives the call.
        check(unsafe {
            SetInformationJobObject(
                job.0,
                JobObjectExtendedLimitInformation,
                (&raw const limits).cast::<c_void>(),
                size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
            )
        })?;
        // SAFETY: both handles are open; `process` belongs to the caller's child.
        check(unsafe { AssignProcessToJobObject(job.0, process) })?;
        resume_threads(pid)?;
        Ok(Self { job })
    }

    /// Ends every process still in the job.
    pub fn terminate(&self) {
        // SAFETY: the job handle is open (it was created with all access).
        if let Err(e) = check(unsafe { TerminateJobObject(self.job.0, 1) }) {
            tracing::warn!(error = %e, "terminating a task's job object failed");
        }
    }
}

/// Resumes every thread of process `pid` (a process started suspended has one).
fn resume_threads(pid: u32) -> io::Result<()> {
    // SAFETY: a snapshot of the system's threads; the handle is closed by OwnedHandle.
    let snapshot = OwnedHandle::new(unsafe { CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0) })?;
    let mut entry = THREADENTRY32 {
        dwSize: size_of::<THREADENTRY32>() as u32,
        ..THREADENTRY32::default()
    };
    let mut resumed = 0;
    // SAFETY: `entry` is a THREADENTRY32 with its dwSize set, as the call requires.
    let mut more = unsafe { Thread32First(snapshot.0, &raw mut entry) } != 0;
    while more {
        if entry.th32OwnerProcessID == pid {
            // SAFETY: opening a thread by id; a failure returns null, checked by new().
            let thread = OwnedHandle::new(unsafe {
                OpenThread(THREAD_SUSPEND_RESUME, 0, entry.th32ThreadID)
            })?;
            // SAFETY: the thread handle is open with THREAD_SUSPEND_RESUME.
            if unsafe { ResumeThread(thread.0) } == u32::MAX {
                return Err(io::Error::last_os_error());
            }
            resumed += 1;
        }
        // SAFETY: as for Thread32First.
        more = unsafe { Thread32Next(snapshot.0, &raw mut entry) } != 0;
    }
    if resumed == 0 {
        return Err(io::Error::other(format!(
            "process {pid} has no thread to resume"
        )));
    }
    Ok(())
}

/// Sends `CTRL_BREAK` to the process group `pid` leads (a console program's Ctrl-Break:
/// Blender and most command-line programs end on it). Fails when the worker has no console
/// to share with the group; the job is terminated after the grace anyway.
pub fn ctrl_break(pid: u32) -> io::Result<()> {
    // SAFETY: a plain call with an event and a group id.
    check(unsafe { GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, pid) })
}

/// The SID of the user this process runs as, inside the `TOKEN_USER` it came in.
struct UserSid {
    // u64s keep the buffer aligned for TOKEN_USER (pointers) and the SID after it.
    token_user: Vec<u64>,
}

impl UserSid {
    /// This process's user.
    fn current() -> io::Result<Self> {
        let mut token: HANDLE = std::ptr::null_mut();
        // SAFETY: the pseudo handle of this process needs no closing; `token` receives a
        // handle, closed by OwnedHandle.
        check(unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &raw mut token) })?;
        let token = OwnedHandle::new(token)?;
        let mut needed = 0u32;
        // SAFETY: asking for the size only (null buffer of length 0); the call fails with
        // ERROR_INSUFFICIENT_BUFFER and sets `needed`.
        unsafe {
            GetTokenInformation(token.0, TokenUser, std::ptr::null_mut(), 0, &raw mut needed)
        };
        if needed == 0 {
            return Err(io::Error::last_os_error());
        }
        let mut token_user = vec![0u64; (needed as usize).div_ceil(8)];
        // SAFETY: the buffer holds at least `needed` bytes.
        check(unsafe {
            GetTokenInformation(
                token.0,
                TokenUser,
                token_user.as_mut_ptr().cast::<c_void>(),
                needed,
                &raw mut needed,
            )
        })?;
        Ok(Self { token_user })
    }

    /// The SID, valid as long as `self`.
    fn sid(&self) -> PSID {
        // SAFETY: the buffer holds a TOKEN_USER (filled by GetTokenInformation), whose SID
        // points inside the buffer.
        unsafe { (*self.token_user.as_ptr().cast::<TOKEN_USER>()).User.Sid }
    }
}

/// Gives `path` a protected DACL with a single entry: full access for the user this process
/// runs as. Inherited entries (Users, Administrators of the folder) no longer apply, so
/// nobody else can read it.
pub fn restrict_to_owner(path: &Path) -> io::Result<()> {
    let user = UserSid::current()?;
    let sid = user.sid();
    // SAFETY: `sid` is a valid SID (from the token).
    let sid_len = unsafe { GetLengthSid(sid) };
    // An ACL header and one ACCESS_ALLOWED_ACE whose SidStart is the first u32 of the SID.
    let acl_len =
        size_of::<ACL>() + size_of::<ACCESS_ALLOWED_ACE>() - size_of::<u32>() + sid_len as usize;
    let mut acl = vec![0u64; acl_len.div_ceil(8)];
    let acl_ptr = acl.as_mut_ptr().cast::<ACL>();
    // SAFETY: the buffer is `acl_len` bytes or more, aligned for ACL.
    check(unsafe { InitializeAcl(acl_ptr, acl_len as u32, ACL_REVISION) })?;
    // SAFETY: the ACL was sized for this one entry with this SID.
    check(unsafe { AddAccessAllowedAce(acl_ptr, ACL_REVISION, FILE_ALL_ACCESS, sid) })?;
    let wide = wide(path);
    // SAFETY: a NUL-terminated path and a valid ACL; owner, group and SACL unchanged.
    let error = unsafe {
        SetNamedSecurityInfoW(
            wide.as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            acl_ptr,
            std::ptr::null(),
        )
    };
    if error != 0 {
        return Err(io::Error::from_raw_os_error(error as i32));
    }
    Ok(())
}

/// `path` as a NUL-terminated UTF-16 string.
fn wide(path: &Path) -> Vec<u16> {
    path.as_os_str().encode_wide().chain([0]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use windows_sys::Win32::Foundation::LocalFree;
    use windows_sys::Win32::Security::Authorization::GetNamedSecurityInfoW;
    use windows_sys::Win32::Security::{EqualSid, GetAce, PSECURITY_DESCRIPTOR};

    #[test]
    #[ignore = "Wine 8.0 (CI) does not keep a file's DACL: it answers its default three \
                entries; run on Windows with --ignored"]
    fn a_restricted_file_lets_only_its_user_in() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.json");
        std::fs::write(&path, "x").unwrap();
        restrict_to_owner(&path).unwrap();
        let wide = wide(&path);
        let mut dacl: *mut ACL = std::ptr::null_mut();
        let mut descriptor: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        // SAFETY: a NUL-terminated path; the descriptor is freed below.
        let error = unsafe {
            GetNamedSecurityInfoW(
                wide.as_ptr(),
                SE_FILE_OBJECT,
                DACL_SECURITY_INFORMATION,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &raw mut dacl,
                std::ptr::null_mut(),
                &raw mut descriptor,
            )
        };
        assert_eq!(error, 0);
        // SAFETY: the DACL points into the descriptor, still alive.
        let count = unsafe { (*dacl).AceCount };
        let mut ace: *mut c_void = std::ptr::null_mut();
        // SAFETY: as above; entry 0 exists when count is 1, else the call fails.
        check(unsafe { GetAce(dacl, 0, &raw mut ace) }).unwrap();
        let ace = ace.cast::<ACCESS_ALLOWED_ACE>();
        // SAFETY: the entry is an ACCESS_ALLOWED_ACE (type 0, checked below) whose SID
        // starts at SidStart.
        let (kind, mask, sid) = unsafe {
            (
                (*ace).Header.AceType,
                (*ace).Mask,
                (&raw mut (*ace).SidStart).cast::<c_void>(),
            )
        };
        let user = UserSid::current().unwrap();
        // SAFETY: two valid SIDs.
        let same_user = unsafe { EqualSid(sid, user.sid()) } != 0;
        // SAFETY: the descriptor was allocated by GetNamedSecurityInfoW, freed once.
        unsafe { LocalFree(descriptor) };
        // One entry: none inherited from the folder applies.
        assert_eq!(count, 1, "one entry");
        // 0: ACCESS_ALLOWED_ACE_TYPE.
        assert_eq!((kind, mask, same_user), (0, FILE_ALL_ACCESS, true));
    }
}
