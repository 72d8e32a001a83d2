//! The X side of the app's windows, as a window manager would see them: list the top-level windows
//! (title, mapped or not) and ask one to close the way a title bar's close button does (a
//! `WM_PROTOCOLS` / `WM_DELETE_WINDOW` client message, which GTK turns into a close request, so the
//! app's close-to-hide runs). WebDriver's `DELETE /window` is no substitute: WebKitWebDriver then
//! ends the session and the app with it. Xlib is loaded at run time (x11-dl), no X crate is linked.

use std::ffi::CString;
use std::os::raw::{c_int, c_long, c_uchar, c_uint, c_ulong};
use std::ptr;

use x11_dl::xlib;

/// A top-level window on the display.
#[derive(Clone, Debug)]
pub struct XWindow {
    pub id: c_ulong,
    /// `_NET_WM_NAME` (UTF-8), else `WM_NAME`.
    pub title: String,
    /// Mapped and viewable: shown, not hidden.
    pub viewable: bool,
}

/// An open connection to one display; closed on drop.
struct Conn {
    xl: xlib::Xlib,
    dpy: *mut xlib::Display,
}

/// Xlib's default error handler exits the process. A window can vanish between listing the tree
/// and reading its properties (the app destroys a released window at any moment), so errors are
/// ignored: the failed call's result is already treated as "no title" / "not viewable".
unsafe extern "C" fn ignore_x_errors(
    _dpy: *mut xlib::Display,
    _event: *mut xlib::XErrorEvent,
) -> c_int {
    0
}

impl Conn {
    fn open(display: &str) -> Result<Conn, String> {
        let xl = xlib::Xlib::open().map_err(|e| format!("load libX11: {e}"))?;
        // SAFETY: installs a handler that touches nothing; process-wide, and this test process uses
        // Xlib only through this module.
        unsafe { (xl.XSetErrorHandler)(Some(ignore_x_errors)) };
        let name = CString::new(display).map_err(|e| e.to_string())?;
        // SAFETY: a valid NUL-terminated display name; the result is checked for null.
        let dpy = unsafe { (xl.XOpenDisplay)(name.as_ptr()) };
        if dpy.is_null() {
            return Err(format!("cannot open X display {display}"));
        }
        Ok(Conn { xl, dpy })
    }

    fn atom(&self, name: &str) -> c_ulong {
        let name = CString::new(name).expect("atom names have no NUL");
        // SAFETY: open display, valid C string.
        unsafe { (self.xl.XInternAtom)(self.dpy, name.as_ptr(), xlib::False) }
    }

    fn top_levels(&self) -> Vec<c_ulong> {
        let (mut root_ret, mut parent): (c_ulong, c_ulong) = (0, 0);
        let mut children: *mut c_ulong = ptr::null_mut();
        let mut n: c_uint = 0;
        // SAFETY: open display; out-pointers are valid; the list is copied, then freed with XFree.
        unsafe {
            let root = (self.xl.XDefaultRootWindow)(self.dpy);
            if (self.xl.XQueryTree)(
                self.dpy,
                root,
                &mut root_ret,
                &mut parent,
                &mut children,
                &mut n,
            ) == 0
                || children.is_null()
            {
                return Vec::new();
            }
            let list = std::slice::from_raw_parts(children, n as usize).to_vec();
            (self.xl.XFree)(children.cast());
            list
        }
    }

    /// A text property of `w` (`None` when absent or empty).
    fn text_property(&self, w: c_ulong, property: c_ulong, kind: c_ulong) -> Option<String> {
        let mut actual_type: c_ulong = 0;
        let mut format: c_int = 0;
        let (mut items, mut after): (c_ulong, c_ulong) = (0, 0);
        let mut data: *mut c_uchar = ptr::null_mut();
        // SAFETY: open display; out-pointers valid; 8-bit data of `items` bytes, freed with XFree.
        unsafe {
            let status = (self.xl.XGetWindowProperty)(
                self.dpy,
                w,
                property,
                0,
                1024,
                xlib::False,
                kind,
                &mut actual_type,
                &mut format,
                &mut items,
                &mut after,
                &mut data,
            );
            if status != 0 || data.is_null() {
                return None;
            }
            let bytes = std::slice::from_raw_parts(data, items as usize).to_vec();
            (self.xl.XFree)(data.cast());
            (format == 8 && !bytes.is_empty()).then(|| String::from_utf8_lossy(&bytes).into_owned())
        }
    }

    fn title(&self, w: c_ulong) -> Option<String> {
        let utf8 = self.atom("UTF8_STRING");
        self.text_property(w, self.atom("_NET_WM_NAME"), utf8)
            .or_else(|| self.text_property(w, xlib::XA_WM_NAME, xlib::AnyPropertyType as c_ulong))
    }

    fn viewable(&self, w: c_ulong) -> bool {
        // SAFETY: open display; the attributes struct is plain data filled in by Xlib.
        unsafe {
            let mut attrs: xlib::XWindowAttributes = std::mem::zeroed();
            (self.xl.XGetWindowAttributes)(self.dpy, w, &mut attrs) != 0
                && attrs.map_state == xlib::IsViewable
        }
    }

    fn windows(&self) -> Vec<XWindow> {
        self.top_levels()
            .into_iter()
            .filter_map(|id| {
                let title = self.title(id)?;
                Some(XWindow {
                    id,
                    title,
                    viewable: self.viewable(id),
                })
            })
            .collect()
    }

    fn send_delete(&self, w: c_ulong) {
        let protocols = self.atom("WM_PROTOCOLS");
        let delete = self.atom("WM_DELETE_WINDOW");
        // SAFETY: open display; a zeroed XEvent union filled in as a 32-bit client message.
        unsafe {
            let mut ev: xlib::XEvent = std::mem::zeroed();
            ev.client_message.type_ = xlib::ClientMessage;
            ev.client_message.window = w;
            ev.client_message.message_type = protocols;
            ev.client_message.format = 32;
            ev.client_message.data.set_long(0, delete as c_long);
            ev.client_message
                .data
                .set_long(1, xlib::CurrentTime as c_long);
            (self.xl.XSendEvent)(self.dpy, w, xlib::False, xlib::NoEventMask, &mut ev);
            (self.xl.XSync)(self.dpy, xlib::False);
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // SAFETY: the display was opened by us and is closed once.
        unsafe {
            (self.xl.XCloseDisplay)(self.dpy);
        }
    }
}

/// The titled top-level windows on `display` (`:N`).
pub fn windows(display: &str) -> Result<Vec<XWindow>, String> {
    Ok(Conn::open(display)?.windows())
}

/// Sends `WM_DELETE_WINDOW` to every viewable top-level window whose title contains `title`;
/// returns how many got it.
pub fn request_close(display: &str, title: &str) -> Result<usize, String> {
    let conn = Conn::open(display)?;
    let targets: Vec<XWindow> = conn
        .windows()
        .into_iter()
        .filter(|w| w.viewable && w.title.contains(title))
        .collect();
    for w in &targets {
        conn.send_delete(w.id);
    }
    Ok(targets.len())
}
